-- The control plane's shared state: the same tables as the SQLite store, plus module bytes.
-- Applied once, in a transaction, by edge/fleet/migrate.py.

CREATE TABLE edge_revision (                 -- +1 per committed change; its row lock orders writers
    id integer PRIMARY KEY CHECK (id = 1),
    value bigint NOT NULL
);
INSERT INTO edge_revision (id, value) VALUES (1, 0);

CREATE TABLE blobs (                         -- module bytes, content-addressed, immutable
    sha256 text PRIMARY KEY,
    size bigint NOT NULL,
    data bytea NOT NULL,
    touched timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE functions (
    name text PRIMARY KEY,
    next_version integer NOT NULL,           -- numbers are never reused, even after a delete
    manifest_digest text,                    -- what the manifest last published (sha256 + settings)
    created double precision NOT NULL
);

CREATE TABLE versions (
    function text NOT NULL REFERENCES functions(name),
    version integer NOT NULL,
    sha256 text NOT NULL REFERENCES blobs(sha256),   -- a version never refers to missing bytes
    size bigint NOT NULL,
    abi text NOT NULL,
    settings text NOT NULL,                  -- canonical JSON
    description text NOT NULL DEFAULT '',
    origin text NOT NULL,                    -- 'api' | 'manifest'
    created double precision NOT NULL,
    PRIMARY KEY (function, version)
);
CREATE INDEX versions_by_blob ON versions (sha256);

CREATE TABLE aliases (
    function text NOT NULL,
    name text NOT NULL,
    version integer NOT NULL,
    canary_version integer,
    canary_weight double precision,
    updated double precision NOT NULL,
    PRIMARY KEY (function, name),
    FOREIGN KEY (function, version) REFERENCES versions (function, version),
    FOREIGN KEY (function, canary_version) REFERENCES versions (function, version)
);

CREATE TABLE alias_history (                 -- every move but a rollback (which pops it)
    id bigserial PRIMARY KEY,
    function text NOT NULL,
    name text NOT NULL,
    version integer NOT NULL,
    canary_version integer,
    canary_weight double precision,
    at double precision NOT NULL
);
CREATE INDEX alias_history_by_alias ON alias_history (function, name, id);

CREATE TABLE invalidations (                 -- cache purges, applied by every node
    id bigserial PRIMARY KEY,
    paths text NOT NULL,                     -- JSON list of path patterns
    created double precision NOT NULL
);

CREATE TABLE routing (                       -- behaviors and origins, as a JSON document
    id integer PRIMARY KEY CHECK (id = 1),
    document text NOT NULL,
    origin text NOT NULL,                    -- 'api' | 'manifest'
    manifest_digest text,
    updated double precision NOT NULL
);

CREATE TABLE nodes (                         -- worker processes of every node, with heartbeats
    name text NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    address text NOT NULL,
    admin_address text,
    applied_revision bigint NOT NULL,
    started double precision NOT NULL,       -- epoch seconds, the database's clock
    heartbeat double precision NOT NULL,     -- epoch seconds, the database's clock
    stopped boolean NOT NULL DEFAULT false,
    PRIMARY KEY (name, host, pid)
);
