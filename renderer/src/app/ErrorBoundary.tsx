import { Component, type ErrorInfo, type ReactNode } from 'react';
import { markInteractive } from './ready';

interface Props {
  children: ReactNode;
  /** Where the failure happened, shown in the fallback: "Projects". */
  label?: string;
}
interface State {
  error: Error | null;
}

/** Catches render errors so one broken view does not blank the whole app. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('[mldesk] render error', error, info.componentStack);
    markInteractive(); // an error screen is still a usable screen: do not leave the benchmark waiting
  }

  private readonly reset = () => this.setState({ error: null });

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="error-fallback" role="alert" data-testid="error-boundary">
        <h2>{this.props.label ? `${this.props.label} failed to render` : 'Something went wrong'}</h2>
        <pre className="error-fallback-message">{error.message}</pre>
        <div className="button-row">
          <button type="button" className="button button-primary" onClick={this.reset}>
            Try again
          </button>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload window
          </button>
        </div>
      </div>
    );
  }
}
