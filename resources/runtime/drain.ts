import type { Server } from 'node:http';

/**
 * Graceful shutdown shared by the runtime and the proxy: on SIGTERM/SIGINT stop accepting, let in-flight
 * requests finish, exit 0; exit 1 if that takes longer than the timeout. Orchestrators send SIGTERM on a
 * rollout, so this is what makes a redeploy lose no request.
 */
export class GracefulDrain {
  draining = false;
  private closed = false;

  constructor(
    private readonly inflight: () => number,
    private readonly timeoutMs: number,
    private readonly beforeExit: (clean: boolean) => void = () => undefined,
  ) {}

  install(server: Server): void {
    const start = () => {
      if (this.draining) return;
      this.draining = true;
      server.close(() => {
        this.closed = true;
        this.settled();
      });
      server.closeIdleConnections();
      setTimeout(() => this.exit(false), this.timeoutMs).unref();
    };
    process.on('SIGTERM', start);
    process.on('SIGINT', start);
  }

  /** Call when a request ends: the last one out turns off the lights. */
  settled(): void {
    if (this.draining && this.closed && this.inflight() === 0) this.exit(true);
  }

  private exit(clean: boolean): void {
    this.beforeExit(clean);
    process.exit(clean ? 0 : 1);
  }
}
