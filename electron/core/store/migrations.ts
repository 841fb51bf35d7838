/**
 * Numbered migrations. Append only: never edit a released entry, add a new one.
 * Each runs in its own transaction together with the schema_version bump.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'projects',
    sql: `
      CREATE TABLE projects (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        path       TEXT NOT NULL UNIQUE,
        added_at   INTEGER NOT NULL
      );
      CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,
        subject    TEXT,
        detail     TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'tracking',
    sql: `
      CREATE TABLE experiments (
        experiment_id     INTEGER PRIMARY KEY,
        name              TEXT NOT NULL UNIQUE,
        artifact_location TEXT NOT NULL,
        lifecycle_stage   TEXT NOT NULL DEFAULT 'active',
        creation_time     INTEGER,
        last_update_time  INTEGER
      );
      INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active',
        CAST(strftime('%s','now') AS INTEGER) * 1000, CAST(strftime('%s','now') AS INTEGER) * 1000);
      CREATE TABLE experiment_tags (
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
        key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (experiment_id, key)
      ) WITHOUT ROWID;

      CREATE TABLE runs (
        run_uuid        TEXT PRIMARY KEY,
        experiment_id   INTEGER NOT NULL REFERENCES experiments(experiment_id),
        name            TEXT NOT NULL DEFAULT '',
        user_id         TEXT NOT NULL DEFAULT '',
        status          TEXT NOT NULL,
        start_time      INTEGER,
        end_time        INTEGER,
        lifecycle_stage TEXT NOT NULL DEFAULT 'active',
        artifact_uri    TEXT NOT NULL,
        deleted_time    INTEGER
      );
      CREATE INDEX runs_by_experiment ON runs (experiment_id, lifecycle_stage, start_time DESC);

      CREATE TABLE params (
        run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
        key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (run_uuid, key)
      ) WITHOUT ROWID;
      CREATE INDEX params_by_key ON params (key, value);

      CREATE TABLE tags (
        run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
        key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (run_uuid, key)
      ) WITHOUT ROWID;
      CREATE INDEX tags_by_key ON tags (key, value);

      -- Packed metric history: one row per appended batch of one (run, key); Float64 step/timestamp/value blobs.
      CREATE TABLE metric_chunks (
        id         INTEGER PRIMARY KEY,
        run_uuid   TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
        key        TEXT NOT NULL,
        n          INTEGER NOT NULL,
        min_step   INTEGER NOT NULL,
        max_step   INTEGER NOT NULL,
        steps      BLOB NOT NULL,
        timestamps BLOB NOT NULL,
        vals       BLOB NOT NULL
      );
      CREATE INDEX metric_chunks_by_run_key ON metric_chunks (run_uuid, key, id);

      -- MLflow's "latest" value per (run, key) plus min/max/count, for search, sort and tables.
      CREATE TABLE latest_metrics (
        run_uuid  TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
        key       TEXT NOT NULL,
        value     REAL,
        timestamp INTEGER NOT NULL,
        step      INTEGER NOT NULL,
        is_nan    INTEGER NOT NULL DEFAULT 0,
        min_value REAL,
        max_value REAL,
        count     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_uuid, key)
      ) WITHOUT ROWID;
      CREATE INDEX latest_metrics_by_key ON latest_metrics (key, value);

      CREATE TABLE datasets (
        dataset_uuid  TEXT PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
        name          TEXT NOT NULL,
        digest        TEXT NOT NULL,
        source_type   TEXT NOT NULL,
        source        TEXT NOT NULL,
        schema        TEXT,
        profile       TEXT,
        UNIQUE (experiment_id, name, digest)
      );
      CREATE TABLE run_inputs (
        run_uuid     TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
        dataset_uuid TEXT NOT NULL REFERENCES datasets(dataset_uuid),
        tags         TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_uuid, dataset_uuid)
      ) WITHOUT ROWID;

      CREATE TABLE logged_models (
        model_id          TEXT PRIMARY KEY,
        experiment_id     INTEGER NOT NULL REFERENCES experiments(experiment_id),
        name              TEXT NOT NULL,
        artifact_location TEXT NOT NULL,
        creation_time     INTEGER NOT NULL,
        last_updated_time INTEGER NOT NULL,
        source_run_id     TEXT,
        status            TEXT NOT NULL,
        status_message    TEXT,
        model_type        TEXT,
        lifecycle_stage   TEXT NOT NULL DEFAULT 'active'
      );
      CREATE INDEX logged_models_by_experiment ON logged_models (experiment_id, creation_time DESC);
      CREATE TABLE logged_model_tags (
        model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
        key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key)) WITHOUT ROWID;
      CREATE TABLE logged_model_params (
        model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
        key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key)) WITHOUT ROWID;
      CREATE TABLE logged_model_metrics (
        model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
        key TEXT NOT NULL, value REAL, is_nan INTEGER NOT NULL DEFAULT 0, timestamp INTEGER NOT NULL, step INTEGER NOT NULL,
        run_id TEXT, dataset_name TEXT, dataset_digest TEXT,
        PRIMARY KEY (model_id, key, step, timestamp)) WITHOUT ROWID;
      CREATE TABLE run_outputs (
        run_uuid TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
        model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
        step     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_uuid, model_id)) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'model registry',
    sql: `
      CREATE TABLE registered_models (
        name              TEXT PRIMARY KEY,
        creation_time     INTEGER NOT NULL,
        last_updated_time INTEGER NOT NULL,
        description       TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE registered_model_tags (
        name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
        key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;
      CREATE TABLE model_versions (
        name              TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
        version           INTEGER NOT NULL,
        creation_time     INTEGER NOT NULL,
        last_updated_time INTEGER NOT NULL,
        description       TEXT NOT NULL DEFAULT '',
        user_id           TEXT NOT NULL DEFAULT '',
        current_stage     TEXT NOT NULL DEFAULT 'None',
        source            TEXT NOT NULL,
        run_id            TEXT,
        run_link          TEXT,
        status            TEXT NOT NULL DEFAULT 'READY',
        status_message    TEXT,
        storage_location  TEXT,
        model_id          TEXT,
        deleted           INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (name, version)
      );
      CREATE INDEX model_versions_by_run ON model_versions (run_id);
      CREATE TABLE model_version_tags (
        name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (name, version, key),
        FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE) WITHOUT ROWID;
      CREATE TABLE registered_model_aliases (
        name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
        alias TEXT NOT NULL, version INTEGER NOT NULL,
        PRIMARY KEY (name, alias)) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'comparison: saved views, metric level-of-detail',
    sql: `
      CREATE TABLE saved_views (
        id            TEXT PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        state         TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        UNIQUE (experiment_id, name)
      );
      -- M4 summary of a whole (run, key) series, valid while n equals latest_metrics.count.
      CREATE TABLE metric_lod (
        run_uuid   TEXT NOT NULL REFERENCES runs(run_uuid) ON DELETE CASCADE,
        key        TEXT NOT NULL,
        n          INTEGER NOT NULL,
        steps      BLOB NOT NULL,
        timestamps BLOB NOT NULL,
        vals       BLOB NOT NULL,
        PRIMARY KEY (run_uuid, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'team server: users with hashed tokens and a role',
    sql: `
      CREATE TABLE users (
        name        TEXT PRIMARY KEY,
        role        TEXT NOT NULL CHECK (role IN ('viewer', 'member', 'admin')),
        token_hash  TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER
      );
    `,
  },
  {
    version: 6,
    name: 'deployments (desired config) and the inference records pulled from them',
    sql: `
      -- What the user asked for; the engine's containers (labelled mldesk.deployment=<name>) are what runs.
      -- deploy.list reconciles the two and never trusts a status stored here.
      CREATE TABLE deployments (
        name              TEXT PRIMARY KEY,
        target            TEXT NOT NULL DEFAULT 'local',
        model             TEXT NOT NULL,
        version           TEXT NOT NULL,
        run_id            TEXT,
        runtime           TEXT NOT NULL,             -- JSON: {"kind":"onnx"} | {"kind":"dockerfile",...}
        port              INTEGER NOT NULL,          -- the stable port (the proxy's)
        cpus              REAL,
        memory_mb         INTEGER,
        env               TEXT NOT NULL DEFAULT '{}', -- JSON object
        ready_timeout_sec INTEGER NOT NULL DEFAULT 60,
        image_ref         TEXT NOT NULL DEFAULT '',
        image_digest      TEXT NOT NULL DEFAULT '',
        desired           TEXT NOT NULL DEFAULT 'running' CHECK (desired IN ('running', 'stopped')),
        server_container  TEXT,                      -- the serving container the proxy points at
        server_port       INTEGER,
        proxy_container   TEXT,
        proxy_token       TEXT NOT NULL,             -- bearer token of the proxy's admin route
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        last_rollout      TEXT,                      -- JSON RolloutReport
        records_cursor    TEXT                       -- JSON {container, after}: where the pull loop stopped
      );
      CREATE INDEX deployments_by_model ON deployments (model, version);
      -- Inference records pulled from each deployment's runtime ring (GET /mldesk/records?after=).
      -- seq counts per deployment across containers; source_seq is the runtime's own.
      CREATE TABLE inference_records (
        deployment TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        id         TEXT NOT NULL,
        time       TEXT NOT NULL,
        route      TEXT NOT NULL,
        model      TEXT,
        version    TEXT,
        inputs     TEXT,
        outputs    TEXT,
        latency_ms REAL NOT NULL,
        status     INTEGER NOT NULL,
        error      TEXT,
        container  TEXT,
        source_seq INTEGER,
        PRIMARY KEY (deployment, seq)
      ) WITHOUT ROWID;
      CREATE INDEX inference_records_by_time ON inference_records (deployment, time);
    `,
  },
  {
    version: 7,
    name: 'monitoring: ground truth, windows, alert rules and alerts',
    sql: `
      -- Labels sent to a runtime's POST /mldesk/feedback, pulled like the records. One label per (request, row): a
      -- later label replaces an earlier one. received_at is the runtime's clock (the records' clock too).
      -- seq (never reused) orders arrivals, so a reader follows new and replaced labels with one cursor.
      CREATE TABLE inference_feedback (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        deployment  TEXT NOT NULL,
        request_id  TEXT NOT NULL,
        row_index   INTEGER NOT NULL DEFAULT 0,
        label       TEXT NOT NULL,               -- JSON: number | string | boolean
        received_at INTEGER NOT NULL,            -- ms
        container   TEXT,
        source_seq  INTEGER,
        UNIQUE (deployment, request_id, row_index)
      );
      CREATE INDEX inference_feedback_by_seq ON inference_feedback (deployment, seq);
      -- Where the feedback pull stopped per deployment (the runtime's own seq in one serving container).
      CREATE TABLE inference_feedback_cursor (
        deployment TEXT PRIMARY KEY,
        container  TEXT NOT NULL,
        after      INTEGER NOT NULL
      );
      -- Feedback joins predictions by request id.
      CREATE INDEX inference_records_by_id ON inference_records (deployment, id);

      -- Per deployment: windows, reference dataset, per-column drift options, webhook. epoch changes when the windows
      -- must be computed again (another window spec, reference or column options).
      CREATE TABLE monitor_config (
        deployment TEXT PRIMARY KEY,
        window_spec TEXT NOT NULL,               -- JSON WindowSpec
        reference  TEXT,                         -- JSON {projectId, path, commit} (an override) or NULL (lineage)
        columns    TEXT NOT NULL DEFAULT '{}',   -- JSON {column: {method?, threshold?}}
        webhook    TEXT,
        epoch      INTEGER NOT NULL DEFAULT 1,
        feedback_cursor INTEGER NOT NULL DEFAULT 0, -- inference_feedback.seq read up to (this epoch)
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- Closed windows (the open one lives in memory), computed once from inference_records.
      CREATE TABLE monitor_windows (
        deployment TEXT NOT NULL,
        epoch      INTEGER NOT NULL,
        idx        INTEGER NOT NULL,
        first_seq  INTEGER NOT NULL,
        last_seq   INTEGER NOT NULL,
        start_at   INTEGER NOT NULL,
        end_at     INTEGER NOT NULL,
        data       TEXT NOT NULL,                -- JSON MonitorWindow
        detail     TEXT,                         -- JSON per-column ColumnDrift (for the overlays)
        PRIMARY KEY (deployment, epoch, idx)
      ) WITHOUT ROWID;
      CREATE INDEX monitor_windows_by_seq ON monitor_windows (deployment, epoch, last_seq);
      -- Each labelled prediction, in the window that holds its request (performance by window).
      CREATE TABLE monitor_labels (
        deployment TEXT NOT NULL,
        epoch      INTEGER NOT NULL,
        request_id TEXT NOT NULL,
        row_index  INTEGER NOT NULL,
        idx        INTEGER NOT NULL,
        score      REAL,                         -- P(positive class) or the numeric prediction
        predicted  TEXT,                         -- the predicted class
        label      TEXT NOT NULL,                -- JSON
        delay_ms   REAL,
        PRIMARY KEY (deployment, epoch, request_id, row_index)
      ) WITHOUT ROWID;
      CREATE INDEX monitor_labels_by_window ON monitor_labels (deployment, epoch, idx);
      CREATE TABLE monitor_rules (
        id         TEXT PRIMARY KEY,
        deployment TEXT NOT NULL,
        position   INTEGER NOT NULL,
        metric     TEXT NOT NULL,
        op         TEXT NOT NULL CHECK (op IN ('>=', '<=')),
        threshold  REAL NOT NULL,
        windows    INTEGER NOT NULL,
        enabled    INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX monitor_rules_by_deployment ON monitor_rules (deployment, position);
      CREATE TABLE monitor_alerts (
        id         TEXT PRIMARY KEY,
        deployment TEXT NOT NULL,
        rule_id    TEXT NOT NULL,
        epoch      INTEGER NOT NULL,
        metric     TEXT NOT NULL,
        value      REAL NOT NULL,
        threshold  REAL NOT NULL,
        message    TEXT NOT NULL,
        window_idx INTEGER NOT NULL,
        column_name TEXT,
        fired_at   INTEGER NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX monitor_alerts_by_deployment ON monitor_alerts (deployment, fired_at);
      CREATE INDEX monitor_alerts_by_rule ON monitor_alerts (rule_id, epoch, window_idx);
    `,
  },
  {
    version: 8,
    name: 'deployment targets, cluster deployments, one-click presets, training runs on targets',
    sql: `
      -- Remote Docker engines, Swarm managers, Kubernetes contexts. config holds no secret: TLS/SSH keys, registry
      -- passwords and kubeconfigs are sealed in <dataDir>/secrets.json under target:<name>:<what>.
      CREATE TABLE targets (
        name       TEXT PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('docker', 'swarm', 'kubernetes')),
        config     TEXT NOT NULL,               -- JSON (no secrets)
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_test  TEXT                         -- JSON TargetTest
      );
      -- Replicas and the cluster options (canary, health, Kubernetes extras) of a deployment on a cluster target.
      ALTER TABLE deployments ADD COLUMN replicas INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE deployments ADD COLUMN cluster TEXT;  -- JSON
      -- The last settings a model was deployed with on a target: "Deploy to <target>" in one click.
      CREATE TABLE deploy_presets (
        target     TEXT NOT NULL,
        model      TEXT NOT NULL,
        input      TEXT NOT NULL,               -- JSON deploy input (no env values: those stay with the deployment)
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (target, model)
      ) WITHOUT ROWID;
      -- Training runs started on a target (a one-shot Swarm service or a Kubernetes Job), and sweeps of them.
      CREATE TABLE remote_runs (
        run_id     TEXT PRIMARY KEY,
        target     TEXT NOT NULL,
        job        TEXT NOT NULL,               -- the service / Job name on the target
        sweep_id   TEXT,
        image      TEXT NOT NULL,
        state      TEXT NOT NULL,               -- queued, running, finished, failed, killed
        created_at INTEGER NOT NULL,
        ended_at   INTEGER,
        detail     TEXT                         -- JSON (exit code, reason, logs cursor)
      );
      CREATE INDEX remote_runs_by_sweep ON remote_runs (sweep_id);
    `,
  },
  {
    version: 9,
    name: 'model insight: cached explanations and fairness reports',
    sql: `
      -- Global explanations and fairness reports of a model version, keyed by what they depend on (model digest,
      -- dataset digest, settings): the same inputs never compute twice. value is the result JSON.
      CREATE TABLE insight_cache (
        key        TEXT PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('global', 'fairness')),
        model      TEXT NOT NULL,
        version    TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        value      TEXT NOT NULL               -- JSON
      );
      CREATE INDEX insight_cache_by_version ON insight_cache (model, version, kind, created_at);
    `,
  },
];
