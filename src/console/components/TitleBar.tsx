/** The top line: repository, host counts, what runs, a notice. */
import path from 'node:path';
import { Text } from 'ink';
import { memo } from 'react';
import { fit } from '../format.js';

export const TitleBar = memo(function TitleBar(props: { repo: string; text: string; width: number; quitting: boolean }) {
  const left = ` konf \u00b7 ${path.basename(props.repo) || props.repo}`;
  const right = props.quitting ? 'quitting\u2026 ' : `${props.text} \u00b7 ? help `;
  return (
    <Text wrap="truncate" inverse bold>
      {fit(left, Math.max(1, props.width - right.length))}
      {right.length <= props.width ? right : ''}
    </Text>
  );
});
