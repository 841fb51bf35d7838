/**
 * Field tables for MLflow's request messages (service.proto, model_registry.proto): each field's proto type,
 * whether it is repeated, required (the proto's `validate_required` or the server handler's `_assert_required`)
 * and its proto2 default. `protoJson.ts` parses every request against these tables.
 */

export type ScalarType = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double' | 'float';

export interface EnumDef<N extends string = string> {
  /** Full proto name, e.g. `mlflow.ViewType` (appears in error messages). */
  readonly name: string;
  readonly values: Readonly<Record<N, number>>;
}

export interface MessageDef<F extends Fields = Fields> {
  readonly name: string;
  readonly fields: F;
}

/** `T` is the parsed value's type; `P` is true when the parsed field is always present (required, repeated or defaulted). */
export class FieldDef<T, P extends boolean = false> {
  declare readonly __present?: P;
  declare readonly __value?: T;
  constructor(
    readonly type: ScalarType | EnumDef | MessageDef,
    readonly repeated = false,
    readonly isRequired = false,
    readonly defaultValue: T | undefined = undefined,
  ) {}

  /** Missing, `null` and `""` are refused with MLflow's "Missing value for required parameter". */
  required(): FieldDef<T, true> {
    return new FieldDef<T, true>(this.type, this.repeated, true, this.defaultValue);
  }

  /** The proto2 `[default = …]`, used when the field is absent or null. */
  default(value: T): FieldDef<T, true> {
    return new FieldDef<T, true>(this.type, this.repeated, this.isRequired, value);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Fields = Record<string, FieldDef<any, boolean>>;

type ValueOf<D> = D extends FieldDef<infer T, boolean> ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** The parsed form of a message: proto field names, always-present fields non-optional. */
export type Parsed<M extends MessageDef> = Simplify<
  { [K in keyof M['fields'] as M['fields'][K] extends FieldDef<unknown, true> ? K : never]: ValueOf<M['fields'][K]> } & {
    [K in keyof M['fields'] as M['fields'][K] extends FieldDef<unknown, true> ? never : K]?: ValueOf<M['fields'][K]>;
  }
>;

export const message = <F extends Fields>(name: string, fields: F): MessageDef<F> => ({ name, fields });
export const enumType = <N extends string>(name: string, values: Record<N, number>): EnumDef<N> => ({ name, values });

const scalar =
  <T>(type: ScalarType) =>
  () =>
    new FieldDef<T>(type);

/** Field builders, one per proto type. */
export const f = {
  string: scalar<string>('string'),
  bytes: scalar<string>('bytes'),
  bool: scalar<boolean>('bool'),
  int32: scalar<number>('int32'),
  int64: scalar<number>('int64'),
  uint32: scalar<number>('uint32'),
  uint64: scalar<number>('uint64'),
  double: scalar<number>('double'),
  float: scalar<number>('float'),
  /** Parsed to the value's name (canonical form). */
  enum: <N extends string>(e: EnumDef<N>) => new FieldDef<N>(e),
  message: <M extends MessageDef>(m: M) => new FieldDef<Parsed<M>>(m),
  /** A repeated field always parses to an array (empty when absent). */
  repeated: <T>(item: FieldDef<T, boolean>) => new FieldDef<T[], true>(item.type, true, item.isRequired),
};
