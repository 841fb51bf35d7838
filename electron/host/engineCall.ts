import { MldeskError, type MethodName, type Output } from '../../shared/contract';
import type { Engine } from '../core/engine';

/**
 * A contract call from a CLI command: the same validation and roles as IPC/HTTP; an error envelope becomes a throw.
 * The input is the user's arguments as typed, unchecked here on purpose: the contract's schema is what rejects them, with its message.
 */
export async function call<N extends MethodName>(engine: Engine, name: N, input: unknown): Promise<Output<N>> {
  const r = await engine.call(name, input);
  if (!r.ok) throw MldeskError.from(r.error);
  return r.value as Output<N>;
}
