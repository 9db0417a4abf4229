// The model registry as the UI reads it. MLflow's own operations move things
// (`mlflow/model-versions/transition-stage`, `mlflow/registered-models/alias`…), so the
// official client sees what the board did; Runlens's `runlens/registered-models/*` and
// `runlens/model-versions/*` operations read what a page needs in one call
// (crates/runlens-api/src/board.rs).

import { backend } from '../api/backend';
import type { FloatJson, KeyValue } from '../api/types';

/** MLflow's stages, in board order. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

/** A model version as MLflow's REST API answers it. */
export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage: string;
  description?: string;
  source?: string;
  run_id?: string;
  run_link?: string;
  model_id?: string;
  status: string;
  status_message?: string;
  tags?: KeyValue[];
  aliases?: string[];
}

/** One row of the models list (`runlens/registered-models/list`). */
export interface ModelSummary {
  name: string;
  description?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  tags: KeyValue[];
  /** Alias → version. */
  aliases: { alias: string; version: string }[];
  /** The latest version number in each stage that has one. */
  latest: Partial<Record<Stage, string>>;
  version_count: number;
}

/** A card on the board. */
export interface BoardCard {
  version: string;
  /** The stage at the board's time (now, or `at`). */
  stage: Stage;
  /** Aliases pointing at this version at the board's time. */
  aliases: string[];
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  description?: string;
  tags: KeyValue[];
  status: string;
  source?: string;
  run_id?: string;
  run_name?: string;
  experiment_id?: string;
  /** The source run's latest value of each of the board's `metric_keys` it has. */
  metrics: Record<string, FloatJson>;
  /** Past boards only: the version was deleted after `at` (only its number and stage are known). */
  deleted: boolean;
}

/** `runlens/registered-models/board`. */
export interface Board {
  model: {
    name: string;
    description?: string;
    creation_timestamp?: number;
    last_updated_timestamp?: number;
    tags: KeyValue[];
  };
  /** The time shown (ms) when a past board was asked for. */
  at?: number;
  /** Up to 4 metric keys shared by most versions' runs: what each card shows. */
  metric_keys: string[];
  /** Every version (that existed at `at`), newest first. */
  versions: BoardCard[];
}

/** One entry of a model's history (`runlens/registered-models/history`), oldest first. */
export interface RegistryEvent {
  version?: string;
  /** `version_created`, `stage`, `alias_set`, `alias_deleted`, `version_deleted`, `renamed`. */
  kind: string;
  /**
   * Before: the old stage (`stage`), `alias@oldversion` when an alias moved (`alias_set`),
   * the alias (`alias_deleted`), the stage at deletion (`version_deleted`), the old name (`renamed`).
   */
  old_value?: string;
  /** After: the new stage, the alias (`alias_set`), the new name. */
  new_value?: string;
  timestamp: number;
}

/** The parsed `MLmodel` file of a version. */
export interface MlModelSummary {
  /** Flavor name → its settings as `key: value` text (nested values as JSON). */
  flavors: { name: string; settings: KeyValue[] }[];
  signature?: {
    inputs?: SignatureField[];
    outputs?: SignatureField[];
    params?: SignatureField[];
    /** The signature as MLflow wrote it, when a part was not a column list. */
    raw?: KeyValue[];
  };
  model_uuid?: string;
  model_id?: string;
  mlflow_version?: string;
  utc_time_created?: string;
  model_size_bytes?: number;
  /** The example's file, from `saved_input_example_info.artifact_path`. */
  input_example_path?: string;
}

export interface SignatureField {
  name?: string;
  type: string;
  required?: boolean;
  shape?: string;
  /** Params: the default value. */
  default?: string;
}

/** `runlens/model-versions/details`. */
export interface VersionDetails {
  model_version: ModelVersion;
  /** The source run, when it is in the store. */
  run?: {
    run_id: string;
    run_name: string;
    experiment_id: string;
    status: string;
    params: KeyValue[];
    metrics: { key: string; value: FloatJson; step: number }[];
  };
  /** `mlflow-artifacts:/…` of the model's files. */
  artifact_uri: string;
  /** The model's files (paths relative to the model folder), folders first level by level. */
  files: { path: string; file_size: number }[];
  /** More than 2,000 files: the list stops there. */
  files_truncated: boolean;
  mlmodel?: MlModelSummary;
  /** Why MLmodel could not be read (missing, not YAML). */
  mlmodel_error?: string;
  /** Lines of requirements.txt, when there is one. */
  requirements: string[];
  /** The input example's text (first 64 KiB), when there is one. */
  input_example?: { path: string; text: string; truncated: boolean };
}

/** `runlens/model-versions/read-file`: a text file of a version (first 1 MiB). */
export interface VersionFile {
  path: string;
  size: number;
  text: string;
  truncated: boolean;
  /** The file is not text (it has NUL bytes or is not UTF-8): `text` is empty. */
  binary: boolean;
}

export const listModels = (filter = '') =>
  backend.call<{ models: ModelSummary[] }>('runlens/registered-models/list', { filter }).then((r) => r.models);

export const getBoard = (name: string, at?: number) =>
  backend.call<Board>('runlens/registered-models/board', at === undefined ? { name } : { name, at });

export const getHistory = (name: string) =>
  backend.call<{ events: RegistryEvent[] }>('runlens/registered-models/history', { name }).then((r) => r.events);

export const getVersionDetails = (name: string, version: string) =>
  backend.call<VersionDetails>('runlens/model-versions/details', { name, version });

export const readVersionFile = (name: string, version: string, path: string) =>
  backend.call<VersionFile>('runlens/model-versions/read-file', { name, version, path });

export const transitionStage = (name: string, version: string, stage: Stage, archiveExisting: boolean) =>
  backend.call<{ model_version: ModelVersion }>('mlflow/model-versions/transition-stage', {
    name,
    version,
    stage,
    archive_existing_versions: archiveExisting,
  });

export const setAlias = (name: string, alias: string, version: string) =>
  backend.call<Record<string, never>>('mlflow/registered-models/alias/set', { name, alias, version });

export const deleteAlias = (name: string, alias: string) =>
  backend.call<Record<string, never>>('mlflow/registered-models/alias/delete', { name, alias });

export const createModel = (name: string, description?: string) =>
  backend.call<{ registered_model: { name: string } }>('mlflow/registered-models/create', description ? { name, description } : { name });

export const renameModel = (name: string, newName: string) =>
  backend.call<{ registered_model: { name: string } }>('mlflow/registered-models/rename', { name, new_name: newName });

export const deleteModel = (name: string) => backend.call<Record<string, never>>('mlflow/registered-models/delete', { name });

export const updateModelDescription = (name: string, description: string) =>
  backend.call<unknown>('mlflow/registered-models/update', { name, description });

export const setModelTag = (name: string, key: string, value: string) =>
  backend.call<unknown>('mlflow/registered-models/set-tag', { name, key, value });

export const deleteModelTag = (name: string, key: string) =>
  backend.call<unknown>('mlflow/registered-models/delete-tag', { name, key });

export const createVersion = (name: string, source: string, runId?: string, modelId?: string) =>
  backend.call<{ model_version: ModelVersion }>('mlflow/model-versions/create', {
    name,
    source,
    ...(runId ? { run_id: runId } : {}),
    ...(modelId ? { model_id: modelId } : {}),
  });

export const updateVersionDescription = (name: string, version: string, description: string) =>
  backend.call<unknown>('mlflow/model-versions/update', { name, version, description });

export const setVersionTag = (name: string, version: string, key: string, value: string) =>
  backend.call<unknown>('mlflow/model-versions/set-tag', { name, version, key, value });

export const deleteVersionTag = (name: string, version: string, key: string) =>
  backend.call<unknown>('mlflow/model-versions/delete-tag', { name, version, key });

export const deleteVersion = (name: string, version: string) =>
  backend.call<unknown>('mlflow/model-versions/delete', { name, version });
