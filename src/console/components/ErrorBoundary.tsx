/** Keeps a rendering bug in one pane from taking the console down: the pane shows the error. */
import { Text } from 'ink';
import { Component, type ReactNode } from 'react';

interface Props {
  name: string;
  children: ReactNode;
  onError?: (error: Error) => void;
  /** Changing this clears a caught error (e.g. the selected host). */
  resetKey?: string;
}

export class ErrorBoundary extends Component<Props, { error?: Error; key?: string }> {
  override state: { error?: Error; key?: string } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: { error?: Error; key?: string }) {
    if (state.key !== props.resetKey) return { error: undefined, key: props.resetKey };
    return null;
  }

  override componentDidCatch(error: Error) {
    this.props.onError?.(error);
  }

  override render() {
    if (this.state.error) {
      return (
        <Text wrap="wrap">
          {this.props.name} failed to render: {this.state.error.message}
        </Text>
      );
    }
    return this.props.children;
  }
}
