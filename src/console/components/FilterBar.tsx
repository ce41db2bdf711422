/** The filter line under the host list: shown while typing and while a filter applies. */
import { Text } from 'ink';
import { fit } from '../format.js';

export function FilterBar(props: { text: string; editing: boolean; matches: number; width: number }) {
  const label = props.editing ? `/${props.text}\u2588` : `filter: ${props.text}`;
  const count = ` ${props.matches}`;
  return (
    <Text wrap="truncate" color={undefined} inverse={props.editing}>
      {fit(label, Math.max(1, props.width - count.length))}
      {count}
    </Text>
  );
}
