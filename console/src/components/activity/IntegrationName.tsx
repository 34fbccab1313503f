import { Anchor } from '@mantine/core';
import { Link } from 'react-router';

/** An integration by name, linked to its page; its id while the names are loading or when it is gone. */
export function IntegrationName({ id, names }: { id: string; names: Map<string, string> }) {
  return (
    <Anchor component={Link} to={`/integrations/${id}`} size="sm">
      {names.get(id) ?? id}
    </Anchor>
  );
}
