/** HTTP status of a failed Kubernetes API call (client-node's ApiException `code`, or a watch's `statusCode`). */
export function apiStatusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => apiStatusCode(error) === 404;
export const isConflict = (error: unknown): boolean => apiStatusCode(error) === 409;
/** A create refused because the name is taken (409 AlreadyExists, not another conflict). */
export const isAlreadyExists = (error: unknown): boolean => isConflict(error) && kubeApiErrorSummary(error)?.reason === 'AlreadyExists';

/** One failed Kubernetes API call, as a person reads it. */
export interface KubeApiErrorSummary {
  /** HTTP status. */
  code: number;
  /** The Status reason (Invalid, Conflict, Forbidden, ...), when the server sent one. */
  reason?: string;
  /** The server's message (it names the object and, for 422, the field path). */
  message: string;
  /** Field paths the server named (details.causes[].field). */
  fields: string[];
}

interface StatusBody {
  reason?: unknown;
  message?: unknown;
  details?: { causes?: Array<{ field?: unknown }> };
}

/**
 * The Status a failed call carries, made readable: client-node's ApiException holds the HTTP code
 * and the response body (a Status, parsed or as text), and its own message dumps headers, which
 * never belong in a log line or a condition. Undefined when `error` is not an API error.
 */
export function kubeApiErrorSummary(error: unknown): KubeApiErrorSummary | undefined {
  const code = apiStatusCode(error);
  if (code === undefined) return undefined;
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = { message: body };
    }
  }
  const status = (typeof body === 'object' && body !== null ? body : {}) as StatusBody;
  const fields = (status.details?.causes ?? []).flatMap((cause) => (typeof cause.field === 'string' && cause.field ? [cause.field] : []));
  const message = typeof status.message === 'string' && status.message ? status.message : `HTTP ${code}`;
  return { code, ...(typeof status.reason === 'string' && status.reason ? { reason: status.reason } : {}), message: oneLine(message), fields };
}

/** "HTTP 422 Invalid: <message>": one line, no headers or body dump. */
export function formatKubeApiError(summary: KubeApiErrorSummary): string {
  return `HTTP ${summary.code}${summary.reason ? ` ${summary.reason}` : ''}: ${summary.message}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Any error of a Kubernetes call as one readable line: the Status when there is one, else the message. */
export function describeKubeError(error: unknown): string {
  const summary = kubeApiErrorSummary(error);
  if (summary) return formatKubeApiError(summary);
  return oneLine(error instanceof Error ? error.message : String(error));
}
