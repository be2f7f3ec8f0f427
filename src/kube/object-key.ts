/** Identity of an object in the cache and the work queue: namespace/name, or name when cluster-scoped. */
export interface ObjectKey {
  namespace?: string;
  name: string;
}

/** The queue key string of an object key ("ns/name" or "name"), as client-go's MetaNamespaceKeyFunc. */
export function formatKey(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

/** Parses a queue key string back into an object key. */
export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The queue key of an object from its metadata. */
export function keyOfObject(object: { metadata?: { name?: string; namespace?: string } }): string {
  return formatKey({ namespace: object.metadata?.namespace, name: object.metadata?.name ?? '' });
}
