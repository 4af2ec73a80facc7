/**
 * Findings on objects read from a live cluster point at their field: cluster, object and field path
 * (a ClusterLocation), since such an object has no file or line. Objects from files are located as
 * the file scan locates them; objects the model makes up (the default mesh config, id -1) were never
 * read from anywhere and get no location, as in a file scan.
 */
import type { ClusterLocation, Location } from '../engine/finding.js';
import { Locator } from '../loader/locate.js';
import { pathToString, type PathSegment, type Resource } from '../model/resource.js';

export class LiveLocator extends Locator {
  /** One `Kind/namespace/name` per object, shared by all its findings. */
  private readonly objects = new Map<Resource, string>();

  constructor() {
    super([]);
  }

  override locate(r: Resource, path: readonly PathSegment[] = [], pathText?: string): Location | null {
    if (r.source !== null || r.id < 0) return super.locate(r, path, pathText);
    let object = this.objects.get(r);
    if (object === undefined) this.objects.set(r, (object = r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`));
    const loc: ClusterLocation = { cluster: r.cluster, object, path: pathText ?? pathToString(path) };
    return loc;
  }
}
