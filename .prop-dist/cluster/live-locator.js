import { Locator } from '../loader/locate.js';
import { pathToString } from '../model/resource.js';
export class LiveLocator extends Locator {
    /** One `Kind/namespace/name` per object, shared by all its findings. */
    objects = new Map();
    constructor() {
        super([]);
    }
    locate(r, path = [], pathText) {
        if (r.source !== null || r.id < 0)
            return super.locate(r, path, pathText);
        let object = this.objects.get(r);
        if (object === undefined)
            this.objects.set(r, (object = r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`));
        const loc = { cluster: r.cluster, object, path: pathText ?? pathToString(path) };
        return loc;
    }
}
