/** Reading the YAML or JSON files given with `-f`: every document, with where it came from. */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { CliInputError } from './cli-error.js';

/** One object from a manifest file. */
export interface ManifestDocument {
  file: string;
  /** 1-based position of the document in its file. */
  index: number;
  object: Record<string, unknown>;
  kind: string;
  apiVersion: string;
  /** `namespace/name` or `name`, for messages. */
  displayName: string;
}

/** Parses the text of one file into its non-empty documents; throws CliInputError with the line. */
export function parseManifestText(text: string, file: string): ManifestDocument[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out: ManifestDocument[] = [];
  let index = 0;
  for (const doc of docs) {
    index += 1;
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const where = first.linePos?.[0] ? ` at line ${first.linePos[0].line}` : '';
      throw new CliInputError(`${file}: not valid YAML${where}: ${first.message.split('\n')[0]}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new CliInputError(`${file}: document ${index} is not a Kubernetes object (a mapping with apiVersion and kind)`);
    }
    const object = value as Record<string, unknown>;
    const kind = typeof object.kind === 'string' ? object.kind : '';
    const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
    if (!kind || !apiVersion) {
      throw new CliInputError(`${file}: document ${index} has no ${!kind ? 'kind' : 'apiVersion'}`);
    }
    const meta = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    const name = typeof meta.name === 'string' ? meta.name : '<unnamed>';
    const displayName = typeof meta.namespace === 'string' ? `${meta.namespace}/${name}` : name;
    out.push({ file, index, object, kind, apiVersion, displayName });
  }
  return out;
}

/** Reads every file and returns all documents in order; a file that cannot be read is a CliInputError. */
export async function readManifestFiles(files: string[]): Promise<ManifestDocument[]> {
  if (files.length === 0) throw new CliInputError('no input: give at least one file with -f FILE');
  const all: ManifestDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
      throw new CliInputError(`${file}: cannot read: ${why}`);
    }
    const docs = parseManifestText(text, file);
    if (docs.length === 0) throw new CliInputError(`${file}: holds no objects`);
    all.push(...docs);
  }
  return all;
}
