/**
 * Focus: a rule run that looks only at the object under review.
 *
 * Rules loop over the model (`ofKind`, `workloads`, `namespaces()`) and look things up through its
 * indexes. For an admission review only findings that name the incoming object count, so the loop
 * over the incoming object's kind (or over workloads, or over namespaces) can be cut down to that
 * object, its workload, its namespace, while every lookup still sees the whole cluster. Which cuts a
 * rule tolerates depends on how it is written: a rule that compares objects of one kind with each
 * other (two namespace-wide Sidecars, two Gateways sharing a certificate) needs them all, and one
 * that asks `namespaces()` inside its loop (which namespaces import this host?) needs the full list.
 * The table below says, per rule, which loops may be cut; a rule not in it runs unfocused (exact,
 * slower). The equivalence tests (decide-equivalence.test.ts) hold every entry to the reference.
 */
import type { MeshModel } from '../model/model.js';
import type { Resource } from '../model/resource.js';
import type { NamespaceInfo } from '../model/namespaces.js';
import type { Workload } from '../model/workloads.js';

export interface Focus {
  /** `ofKind(subject's kind)` lists only the subject. */
  kind?: boolean;
  /** `workloads` lists only the subject's workload. */
  workloads?: boolean;
  /** `namespaces()` lists only the subject's namespace. */
  namespaces?: boolean;
}

export const NO_FOCUS: Focus = Object.freeze({});

/**
 * Per admission rule, the loops that may be cut. Filled from the equivalence tests: each entry is the
 * largest focus under which the rule's findings naming the subject stay exactly the reference's.
 */
export const RULE_FOCUS: ReadonlyMap<string, Focus> = new Map<string, Focus>([]);

export function focusOf(ruleId: string, table: ReadonlyMap<string, Focus> = RULE_FOCUS): Focus {
  return table.get(ruleId) ?? NO_FOCUS;
}

export function focusKey(f: Focus): string {
  return `${f.kind ? 'k' : ''}${f.workloads ? 'w' : ''}${f.namespaces ? 'n' : ''}`;
}

/**
 * A view of `model` whose loops named in `focus` list only `subject` (its workload, its namespace).
 * Per-model caches (keyed by the model object) are computed afresh for the view, under its cuts.
 */
export function focusedView(model: MeshModel, subject: Resource, focus: Focus): MeshModel {
  if (!focus.kind && !focus.workloads && !focus.namespaces) return model;
  const view = Object.create(model) as MeshModel & { workloads: Workload[] };
  if (focus.kind) {
    const only: readonly Resource[] = model.ofKind(subject.group, subject.kind).includes(subject) ? [subject] : [];
    view.ofKind = (group: string, kind: string) => (group === subject.group && kind === subject.kind ? only : model.ofKind(group, kind));
  }
  if (focus.workloads) {
    const w = model.workloadFor(subject);
    Object.defineProperty(view, 'workloads', { value: w ? [w] : [], writable: false });
  }
  if (focus.namespaces && subject.namespace) {
    const info: NamespaceInfo[] = model.namespaces().filter((n) => n.name === subject.namespace);
    view.namespaces = () => [...info];
  }
  return view;
}
