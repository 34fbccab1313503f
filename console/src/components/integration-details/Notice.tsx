import { Alert, type AlertProps } from '@mantine/core';

/**
 * An alert whose title and text are dark: Mantine's light alerts colour their title with the
 * alert's colour, which on its own tint falls short of WCAG AA contrast for orange, yellow and gray.
 */
export function Notice(props: AlertProps & { role?: string }) {
  return <Alert variant="light" styles={{ title: { color: 'var(--mantine-color-black)' }, message: { color: 'var(--mantine-color-black)' } }} {...props} />;
}
