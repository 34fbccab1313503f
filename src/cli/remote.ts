// The `ferry` command talking to the `ferry start` that holds the embedded database, through its
// HTTP API and the local admin token (see api/local-admin).
import { CliError, ExitCode } from './exit-codes.ts';
import { checkId, type RunningServer } from './runtime.ts';

const REQUEST_TIMEOUT_MS = 30_000;

interface Answer {
  status: number;
  body: unknown;
}

interface ErrorAnswer {
  error?: { code?: string; message?: string; details?: { path: string; message: string }[] };
}

export class RemoteFerry {
  readonly #server: RunningServer;

  constructor(server: RunningServer) {
    this.#server = server;
  }

  get url(): string {
    return this.#server.url;
  }

  async request(method: string, path: string, options: { body?: unknown; orgId?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#server.token}` };
    if (options.orgId !== undefined) headers['ferry-organization'] = options.orgId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.#server.url}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(`The running Ferry (pid ${this.#server.pid}) at ${this.#server.url} did not answer: ${error instanceof Error ? error.message : String(error)}.`, ExitCode.unreachable, { cause: error });
    }
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  /** The organization to act for: the one named, or the default one. */
  async organization(orgId: string | undefined): Promise<string> {
    if (orgId !== undefined) checkId(orgId, 'an organization id');
    const answer = await this.request('GET', '/api/v1/local/organizations');
    const orgs = this.expect<{ data: { id: string; name: string; isDefault: boolean }[] }>(answer, 200).data;
    const found = orgId === undefined ? orgs.find((org) => org.isDefault) : orgs.find((org) => org.id === orgId);
    if (found !== undefined) return found.id;
    if (orgId === undefined) throw new CliError('The running Ferry has no default organization yet; name one with --org.', ExitCode.usage);
    throw new CliError(`No organization has id ${orgId}. Known: ${orgs.map((org) => `${org.id} (${org.name})`).join(', ') || 'none'}.`, ExitCode.usage);
  }

  /** The body of an expected answer; anything else becomes one line and an exit code. */
  expect<T>(answer: Answer, status: number): T {
    if (answer.status === status) return answer.body as T;
    const error = (answer.body as ErrorAnswer | undefined)?.error;
    const message = error?.message ?? `HTTP ${answer.status}`;
    if (answer.status === 404) throw new CliError(message, ExitCode.usage);
    if (error?.code === 'salesforce_error') {
      throw new CliError(message, error.details?.[0]?.message === 'transient' ? ExitCode.unreachable : ExitCode.failure);
    }
    throw new CliError(`The running Ferry answered ${answer.status}: ${message}`, ExitCode.failure);
  }
}
