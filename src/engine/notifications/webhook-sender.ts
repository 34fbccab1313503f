import { createHmac } from 'node:crypto';

/**
 * One signed POST of a webhook delivery, and nothing else: no retries, no storage (webhooks.ts
 * does both). The signature lets the receiver check that the body came from Ferry, unchanged, and
 * recently:
 *
 *   X-Ferry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the secret>
 *
 * The timestamp is part of what is signed, so a receiver that refuses old timestamps (5 minutes,
 * say) cannot be fed a captured delivery again later. Each attempt is signed anew.
 */

export interface SendOptions {
  /** The whole attempt, answer body included. */
  timeoutMs: number;
  /** The clock the signature's timestamp comes from. */
  now?: () => Date;
  fetch?: typeof fetch | undefined;
  /** Aborts the attempt (the process is stopping). */
  signal?: AbortSignal | undefined;
}

/**
 * What one attempt came to. transient: the same attempt may work later (no answer, a timeout,
 * 429, 5xx); anything else (4xx, a redirect) needs the receiver or the URL changed.
 */
export type SendOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; transient: boolean };

export function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** How much of a refusing receiver's answer is kept with the delivery. */
const EXCERPT_CHARACTERS = 200;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARACTERS ? `${flat.slice(0, EXCERPT_CHARACTERS)}…` : flat;
}

/** The address as shown in errors: its query may carry a token of the receiver's. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export async function postSigned(target: string, secret: string, deliveryId: string, body: string, options: SendOptions): Promise<SendOutcome> {
  const url = new URL(target);
  const timestamp = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const post = options.fetch ?? fetch;
  let response: Response;
  let text: string;
  try {
    // Redirects are not followed: the signed alert goes where the organization said, or nowhere.
    response = await post(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Ferry-Webhooks/1',
        'x-ferry-delivery': deliveryId,
        'x-ferry-signature': signature(secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: options.signal === undefined ? AbortSignal.timeout(options.timeoutMs) : AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]),
    });
    text = await response.text();
  } catch (error) {
    const e = error as { name?: unknown; message?: unknown; cause?: { message?: unknown; code?: unknown } };
    const reason = options.signal?.aborted === true
      ? 'was cut short: Ferry is stopping (the delivery is sent again later)'
      : e.name === 'TimeoutError'
      ? `got no complete answer within ${options.timeoutMs / 1000} s`
      : `failed: ${[e.message, e.cause?.message ?? e.cause?.code].filter((m) => typeof m === 'string').join(': ') || String(error)}`;
    return { ok: false, status: null, error: `POST ${shown(url)} ${reason}`, transient: true };
  }
  if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
  const answered = `POST ${shown(url)} answered ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location');
    const where = location === null ? 'nowhere' : URL.canParse(location, url.href) ? shown(new URL(location, url)) : 'an unreadable Location';
    return { ok: false, status: response.status, error: `${answered}, a redirect to ${where}: Ferry does not follow redirects; set the webhook's URL to the address it points to`, transient: false };
  }
  const quoted = text.trim() === '' ? '' : `: ${excerpt(text)}`;
  return { ok: false, status: response.status, error: `${answered}${quoted}`, transient: response.status === 429 || response.status >= 500 };
}
