export function NotFoundPage() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        No page has this address. <a href="/ui/">Back to the overview</a>.
      </p>
    </>
  );
}
