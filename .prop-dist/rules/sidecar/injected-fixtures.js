/**
 * Pods as `kubectl get pod -o yaml` prints them after Istio's injector (1.24 to 1.30) has run: with
 * status, managedFields and ownerReferences, and everything the injector writes (annotations,
 * labels, init containers, the proxy container and its securityContext, volumes). Written for
 * meshward's tests; not a test file itself.
 */
const DIGEST = 'sha256:4b4d8a0c9c1d0e6e1f4f3a7d5b2c8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9';
function proxyContainer(image, native) {
    return `  - name: istio-proxy
    image: ${image}
${native ? '    restartPolicy: Always\n' : ''}    args:
    - proxy
    - sidecar
    - --domain
    - $(POD_NAMESPACE).svc.cluster.local
    - --proxyLogLevel=warning
    - --proxyComponentLogLevel=misc:error
    - --log_output_level=default:info
    env:
    - name: PILOT_CERT_PROVIDER
      value: istiod
    - name: CA_ADDR
      value: istiod.istio-system.svc:15012
    - name: POD_NAME
      valueFrom:
        fieldRef: {apiVersion: v1, fieldPath: metadata.name}
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}
    - name: INSTANCE_IP
      valueFrom:
        fieldRef: {apiVersion: v1, fieldPath: status.podIP}
    - name: SERVICE_ACCOUNT
      valueFrom:
        fieldRef: {apiVersion: v1, fieldPath: spec.serviceAccountName}
    - name: ISTIO_META_WORKLOAD_NAME
      value: reviews-v1
    - name: ISTIO_META_OWNER
      value: kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1
    - name: ISTIO_META_MESH_ID
      value: cluster.local
    - name: TRUST_DOMAIN
      value: cluster.local
    imagePullPolicy: IfNotPresent
    ports:
    - {containerPort: 15090, name: http-envoy-prom, protocol: TCP}
    readinessProbe:
      failureThreshold: 4
      httpGet: {path: /healthz/ready, port: 15021, scheme: HTTP}
      periodSeconds: 15
      successThreshold: 1
      timeoutSeconds: 3
${native ? '    startupProbe:\n      failureThreshold: 600\n      httpGet: {path: /healthz/ready, port: 15021, scheme: HTTP}\n      periodSeconds: 1\n      timeoutSeconds: 3\n' : ''}    resources:
      limits: {cpu: "2", memory: 1Gi}
      requests: {cpu: 100m, memory: 128Mi}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop:
        - ALL
      privileged: false
      readOnlyRootFilesystem: true
      runAsGroup: 1337
      runAsNonRoot: true
      runAsUser: 1337
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    volumeMounts:
    - {mountPath: /var/run/secrets/workload-spiffe-uds, name: workload-socket}
    - {mountPath: /var/run/secrets/credential-uds, name: credential-socket}
    - {mountPath: /var/run/secrets/workload-spiffe-credentials, name: workload-certs}
    - {mountPath: /var/run/secrets/istio, name: istiod-ca-cert}
    - {mountPath: /var/lib/istio/data, name: istio-data}
    - {mountPath: /etc/istio/proxy, name: istio-envoy}
    - {mountPath: /var/run/secrets/tokens, name: istio-token}
    - {mountPath: /etc/istio/pod, name: istio-podinfo}
    - {mountPath: /var/run/secrets/kubernetes.io/serviceaccount, name: kube-api-access-7xk2d, readOnly: true}
`;
}
function setupContainer(image, cni) {
    const common = `    args:
    - istio-iptables
    - -p
    - "15001"
    - -z
    - "15006"
    - -u
    - "1337"
    - -m
    - REDIRECT
    - -i
    - '*'
    - -x
    - ""
    - -b
    - '*'
    - -d
    - 15090,15021,15020
    - --log_output_level=default:info
`;
    if (cni) {
        return `  - name: istio-validation
    image: ${image}
${common}    - --run-validation
    - --skip-rule-apply
    imagePullPolicy: IfNotPresent
    resources:
      limits: {cpu: "2", memory: 1Gi}
      requests: {cpu: 100m, memory: 128Mi}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop:
        - ALL
      privileged: false
      readOnlyRootFilesystem: true
      runAsGroup: 1337
      runAsNonRoot: true
      runAsUser: 1337
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
`;
    }
    return `  - name: istio-init
    image: ${image}
${common}    imagePullPolicy: IfNotPresent
    resources:
      limits: {cpu: "2", memory: 1Gi}
      requests: {cpu: 100m, memory: 128Mi}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        add:
        - NET_ADMIN
        - NET_RAW
        drop:
        - ALL
      privileged: false
      readOnlyRootFilesystem: false
      runAsGroup: 0
      runAsNonRoot: false
      runAsUser: 0
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
`;
}
/** One injected Pod of the bookinfo reviews Deployment, as the API server returns it. */
export function injectedPod(o) {
    const name = o.name ?? 'reviews-v1-6f7b8c9d5-x2kqp';
    const native = o.native === true;
    const setup = o.cni ? 'istio-validation' : 'istio-init';
    const initNames = native ? `"${setup}","istio-proxy"` : `"${setup}"`;
    const containerNames = native ? '' : '"istio-proxy"';
    const status = `{"initContainers":[${initNames}],"containers":[${containerNames}],"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}`;
    const cniAnnotations = o.cni
        ? `    sidecar.istio.io/interceptionMode: REDIRECT
    traffic.sidecar.istio.io/excludeInboundPorts: "15020"
    traffic.sidecar.istio.io/includeInboundPorts: '*'
    traffic.sidecar.istio.io/includeOutboundIPRanges: '*'
`
        : '';
    const app = `  - name: reviews
    image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2
    imagePullPolicy: IfNotPresent
    ports:
    - {containerPort: 9080, protocol: TCP}
    resources: {}
    securityContext:
      runAsUser: 1000
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    volumeMounts:
    - {mountPath: /tmp, name: tmp}
    - {mountPath: /var/run/secrets/kubernetes.io/serviceaccount, name: kube-api-access-7xk2d, readOnly: true}
`;
    return `apiVersion: v1
kind: Pod
metadata:
  annotations:
    istio.io/rev: default
    kubectl.kubernetes.io/default-container: reviews
    kubectl.kubernetes.io/default-logs-container: reviews
    prometheus.io/path: /stats/prometheus
    prometheus.io/port: "15020"
    prometheus.io/scrape: "true"
${cniAnnotations}    sidecar.istio.io/status: '${status}'
${o.extraAnnotations ?? ''}  creationTimestamp: "2026-11-02T08:14:31Z"
  generateName: reviews-v1-6f7b8c9d5-
  labels:
    app: reviews
    pod-template-hash: 6f7b8c9d5
    security.istio.io/tlsMode: istio
    service.istio.io/canonical-name: reviews
    service.istio.io/canonical-revision: v1
    version: v1
  managedFields:
  - apiVersion: v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:generateName: {}
        f:labels:
          .: {}
          f:app: {}
          f:pod-template-hash: {}
          f:version: {}
        f:ownerReferences:
          .: {}
          k:{"uid":"0d6f2c3e-5a1b-4c7d-9e8f-1a2b3c4d5e6f"}: {}
    manager: kube-controller-manager
    operation: Update
    time: "2026-11-02T08:14:31Z"
  - apiVersion: v1
    fieldsType: FieldsV1
    fieldsV1:
      f:status:
        f:conditions: {}
        f:podIP: {}
    manager: kubelet
    operation: Update
    subresource: status
    time: "2026-11-02T08:14:40Z"
  name: ${name}
  namespace: bookinfo
  ownerReferences:
  - apiVersion: apps/v1
    blockOwnerDeletion: true
    controller: true
    kind: ReplicaSet
    name: reviews-v1-6f7b8c9d5
    uid: 0d6f2c3e-5a1b-4c7d-9e8f-1a2b3c4d5e6f
  resourceVersion: "482113"
  uid: 7c1e9a52-3f0d-4b8e-a6c4-2d9f8e7b6a51
spec:
  containers:
${app}${native ? '' : proxyContainer(o.image, false)}  dnsPolicy: ClusterFirst
  enableServiceLinks: true
  initContainers:
${setupContainer(o.image, o.cni)}${native ? proxyContainer(o.image, true) : ''}  nodeName: worker-2
  preemptionPolicy: PreemptLowerPriority
  priority: 0
  restartPolicy: Always
  schedulerName: default-scheduler
  securityContext: {}
  serviceAccount: bookinfo-reviews
  serviceAccountName: bookinfo-reviews
  terminationGracePeriodSeconds: 30
  tolerations:
  - {effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists, tolerationSeconds: 300}
  volumes:
  - emptyDir: {}
    name: workload-socket
  - emptyDir: {}
    name: credential-socket
  - emptyDir: {}
    name: workload-certs
  - emptyDir: {medium: Memory}
    name: istio-envoy
  - emptyDir: {}
    name: istio-data
  - downwardAPI:
      defaultMode: 420
      items:
      - fieldRef: {apiVersion: v1, fieldPath: metadata.labels}
        path: labels
      - fieldRef: {apiVersion: v1, fieldPath: metadata.annotations}
        path: annotations
    name: istio-podinfo
  - name: istio-token
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken: {audience: istio-ca, expirationSeconds: 43200, path: istio-token}
  - configMap: {defaultMode: 420, name: istio-ca-root-cert}
    name: istiod-ca-cert
  - emptyDir: {}
    name: tmp
  - name: kube-api-access-7xk2d
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
status:
  conditions:
  - {lastTransitionTime: "2026-11-02T08:14:35Z", status: "True", type: Initialized}
  - {lastTransitionTime: "2026-11-02T08:14:40Z", status: "True", type: Ready}
  containerStatuses:
  - containerID: containerd://5d2c0f1e
    image: ${o.image}
    imageID: ${o.image.split(/[:@]/)[0]}@${DIGEST}
    name: istio-proxy
    ready: true
    restartCount: 0
    started: true
    state:
      running: {startedAt: "2026-11-02T08:14:36Z"}
  hostIP: 10.0.3.12
  phase: Running
  podIP: 10.244.2.17
  podIPs:
  - {ip: 10.244.2.17}
  qosClass: Burstable
  startTime: "2026-11-02T08:14:31Z"
`;
}
/** The bookinfo Namespace, in the mesh, with the given Pod Security level. */
export function bookinfoNamespace(labels = 'istio-injection: enabled\n    pod-security.kubernetes.io/enforce: baseline') {
    return `apiVersion: v1
kind: Namespace
metadata:
  name: bookinfo
  labels:
    kubernetes.io/metadata.name: bookinfo
    ${labels}
`;
}
export const PROXY_DIGEST = DIGEST;
