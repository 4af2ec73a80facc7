export function liveReadOptions(kubeconfig, folder, over = {}) {
    return {
        kubeconfig,
        contexts: [],
        allContexts: false,
        inCluster: false,
        clusterNames: new Map(),
        allowExec: [],
        allowInsecureKubeconfig: false,
        concurrency: 2,
        requestTimeoutMs: 15_000,
        clusterTimeoutMs: 60_000,
        kinds: ['Pod'],
        env: {},
        homedir: folder,
        cwd: folder,
        ...over,
    };
}
