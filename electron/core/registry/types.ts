/**
 * MLflow Model Registry entities as proto3 JSON (model_registry.proto): snake_case, int64 as numbers,
 * unset optional scalars omitted. Repeated fields are always present (possibly empty) so callers in the
 * engine and UI don't need to guard; MLflow clients accept both.
 */

export interface RegistryTag {
  key: string;
  value: string;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersionJson {
  name: string;
  /** The version number as a string, as in MLflow. */
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  current_stage: string;
  description?: string;
  source: string;
  run_id?: string;
  status: ModelVersionStatus;
  status_message?: string;
  tags: RegistryTag[];
  run_link?: string;
  aliases: string[];
  /** MLflow 3: the logged model this version was registered from. */
  model_id?: string;
}

export interface RegisteredModelAliasJson {
  alias: string;
  version: string;
}

export interface RegisteredModelJson {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  /** Latest (non-deleted) version per stage. */
  latest_versions: ModelVersionJson[];
  tags: RegistryTag[];
  aliases: RegisteredModelAliasJson[];
}

export interface SearchRegisteredModelsResult {
  registered_models: RegisteredModelJson[];
  next_page_token?: string;
}

export interface SearchModelVersionsResult {
  model_versions: ModelVersionJson[];
  next_page_token?: string;
}

export interface SearchRequest {
  filter?: string;
  max_results?: number;
  order_by?: string[];
  page_token?: string;
}

export interface CreateModelVersionRequest {
  name: string;
  source: string;
  run_id?: string;
  tags?: RegistryTag[];
  run_link?: string;
  description?: string;
  model_id?: string;
  /** Not part of MLflow's request; the authenticated user when a host knows one. */
  user_id?: string;
}

/** MLflow's model version stages, canonical spelling, in MLflow's order. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];
/** Stages `archive_existing_versions` may be used with. */
export const ACTIVE_STAGES: readonly Stage[] = ['Staging', 'Production'];
