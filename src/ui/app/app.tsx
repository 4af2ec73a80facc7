import { ErrorBoundary, LocationProvider, Route, Router } from 'preact-iso';
import { Layout } from './components/layout.js';
import { OverviewPage } from './pages/overview.js';
import { FindingsPage } from './pages/findings.js';
import { FindingPage } from './pages/finding.js';
import { PosturePage } from './pages/posture.js';
import { GraphPage } from './pages/graph.js';
import { BlastRadiusPage } from './pages/blast-radius.js';
import { TenantsPage } from './pages/tenants.js';
import { NotFoundPage } from './pages/not-found.js';

/** Every page lives under /ui/ (the server answers index.html for each); filters live in the query string. */
export function App() {
  return (
    <LocationProvider>
      <Layout>
        <ErrorBoundary>
          <Router>
            <Route path="/ui/" component={OverviewPage} />
            <Route path="/ui" component={OverviewPage} />
            <Route path="/ui/findings" component={FindingsPage} />
            <Route path="/ui/findings/:cluster/:fingerprint" component={FindingPage} />
            <Route path="/ui/posture" component={PosturePage} />
            <Route path="/ui/graph" component={GraphPage} />
            <Route path="/ui/blast-radius" component={BlastRadiusPage} />
            <Route path="/ui/tenants" component={TenantsPage} />
            <Route default component={NotFoundPage} />
          </Router>
        </ErrorBoundary>
      </Layout>
    </LocationProvider>
  );
}
