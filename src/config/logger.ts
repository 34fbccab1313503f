import { pino, type Logger } from 'pino';

/**
 * The root logger. Components take a child with their name and scope
 * (`logger.child({ component: 'api', orgId })`). Secrets are never passed to a log call; the
 * redaction list is a second line of defence for headers and credential fields.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ferry' },
      redact: {
        paths: ['req.headers.authorization', '*.password', '*.securityToken', '*.clientSecret', '*.privateKey', '*.accessToken', '*.refreshToken', '*.apiKey'],
        censor: '[redacted]',
      },
    },
    destination ?? process.stderr,
  );
}
