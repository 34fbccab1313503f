/**
 * A filter's clear button that a keyboard reaches and a screen reader names (Mantine hides it from
 * both by default, leaving the field's dropdown as the only way back to "all").
 */
export function clearButton(label: string) {
  return { 'aria-label': `Clear the ${label.toLowerCase()} filter`, 'aria-hidden': false, tabIndex: 0 } as const;
}
