import type { z } from 'zod';

/** Plain http is for receivers on this machine only: anything that leaves it goes over TLS. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks an address Ferry sends requests to (a webhook, a reconciliation's HTTPS source): absolute,
 * https (plain http only for 127.0.0.1, localhost and [::1]), and without a user name or password
 * in it. `example` shows a good address; `why` says why https; `credentials` where they go instead.
 */
export function checkOutboundUrl(words: { example: string; why: string; credentials: string }) {
  return (value: string, context: z.RefinementCtx): void => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({ code: 'custom', message: `is not an absolute URL: give the whole address, such as "${words.example}"` });
      return;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
      context.addIssue({ code: 'custom', message: `must use https${words.why}; plain http is allowed only for 127.0.0.1, localhost and [::1], not for ${url.protocol}//${url.host}` });
    }
    if (url.username !== '' || url.password !== '') {
      context.addIssue({ code: 'custom', message: `must not hold a user name or password (user:password@host): ${words.credentials}` });
    }
  };
}
