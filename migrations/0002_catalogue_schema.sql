-- The notice as data: agencies, provinces and their localities, the document,
-- its sections and measures, who carries each measure where (with the reason),
-- and the tasks that result. Constraints live here, not only in C.

CREATE TABLE agencies (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z]{2,8}$'),
    name_zh         text NOT NULL UNIQUE,   -- as the notice names it, e.g. 知识产权局
    full_name_zh    text NOT NULL,          -- e.g. 国家知识产权局
    name_en         text NOT NULL,
    abbr_en         text,                   -- e.g. SIPO
    successor_name_zh text,                 -- after the 2018 reorganisation, when renamed
    successor_name_en text,
    successor_abbr_en text,
    remit_en        text NOT NULL,          -- what makes a measure this agency's
    sort_order      integer NOT NULL UNIQUE
);

CREATE TABLE provinces (
    code        text PRIMARY KEY CHECK (code ~ '^CN-[A-Z]{2}$'),
    name_zh     text NOT NULL UNIQUE,
    short_zh    text NOT NULL,              -- 辽宁 for 辽宁省, as measures name them
    name_en     text NOT NULL,
    sort_order  integer NOT NULL UNIQUE
);

CREATE TABLE localities (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    province_code   text NOT NULL REFERENCES provinces,
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('city', 'region', 'zone', 'park')),
    sort_order      integer NOT NULL,
    UNIQUE (province_code, name_zh)         -- place names repeat across provinces
);

CREATE TABLE documents (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9-]+$'),
    title_zh        text NOT NULL,
    title_en        text NOT NULL,
    issuers         text[] NOT NULL,        -- agency codes, in the notice's order
    recipients      text[] NOT NULL,        -- province codes
    signed_on       date NOT NULL,
    published_on    date NOT NULL,
    preamble_zh     text NOT NULL,
    preamble_en     text NOT NULL,
    source_url      text,
    CHECK (published_on >= signed_on)
);

-- Chapters (一 … 七: code '1' … '7') and their parts ((一) … : code '3.1').
CREATE TABLE sections (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     integer NOT NULL REFERENCES documents,
    code            text NOT NULL CHECK (code ~ '^[1-9][0-9]*(\.[1-9][0-9]*)?$'),
    parent_id       integer REFERENCES sections,
    chapter         integer NOT NULL CHECK (chapter > 0),
    part            integer CHECK (part > 0),
    title_zh        text NOT NULL,
    title_en        text NOT NULL,
    body_zh         text,                   -- verbatim text of parts that hold no measures (e.g. 2.2, the goals)
    body_en         text,
    sort_order      integer NOT NULL,
    UNIQUE (document_id, code),
    UNIQUE (id, document_id),               -- lets measures prove their document
    CHECK ((part IS NULL) = (parent_id IS NULL)),
    CHECK (code = chapter::text || coalesce('.' || part::text, ''))
);

CREATE TABLE measures (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     integer NOT NULL,
    section_id      integer NOT NULL,
    code            text NOT NULL CHECK (code ~ '^[1-9][0-9]*\.[1-9][0-9]*\.[1-9][0-9]*$'),
    item            integer NOT NULL CHECK (item > 0),
    text_zh         text NOT NULL CHECK (text_zh <> ''),   -- verbatim from the source
    text_en         text NOT NULL CHECK (text_en <> ''),
    joint           boolean NOT NULL DEFAULT false,        -- addressed to several agencies jointly
    sort_order      integer NOT NULL,
    UNIQUE (document_id, code),             -- codes are per document: 3.1.2 recurs in others
    UNIQUE (section_id, item),
    FOREIGN KEY (section_id, document_id) REFERENCES sections (id, document_id)
);

CREATE TABLE measure_agencies (
    measure_id      integer NOT NULL REFERENCES measures,
    agency_code     text NOT NULL REFERENCES agencies,
    role            text NOT NULL CHECK (role IN ('lead', 'support')),
    rationale       text NOT NULL CHECK (rationale <> ''),
    PRIMARY KEY (measure_id, agency_code),
    UNIQUE (measure_id, agency_code, role)  -- so a task's role cannot drift from its mapping
);

CREATE TABLE measure_provinces (
    measure_id      integer NOT NULL REFERENCES measures,
    province_code   text NOT NULL REFERENCES provinces,
    rationale       text NOT NULL CHECK (rationale <> ''),
    PRIMARY KEY (measure_id, province_code)
);

CREATE TABLE measure_localities (
    measure_id      integer NOT NULL REFERENCES measures,
    locality_id     integer NOT NULL REFERENCES localities,
    rationale       text NOT NULL CHECK (rationale <> ''),
    PRIMARY KEY (measure_id, locality_id)
);

CREATE TABLE tasks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure_id      integer NOT NULL,
    agency_code     text NOT NULL,
    province_code   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('lead', 'support')),
    status          text NOT NULL DEFAULT 'not_started'
                    CHECK (status IN ('not_started', 'in_progress', 'blocked', 'completed', 'verified')),
    progress        integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    due_date        date,
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (measure_id, agency_code, province_code),
    FOREIGN KEY (measure_id, agency_code, role)
        REFERENCES measure_agencies (measure_id, agency_code, role) ON UPDATE CASCADE,
    FOREIGN KEY (measure_id, province_code) REFERENCES measure_provinces
);

CREATE INDEX tasks_agency_province ON tasks (agency_code, province_code);
CREATE INDEX tasks_province ON tasks (province_code);
CREATE INDEX tasks_status ON tasks (status);
CREATE INDEX measure_agencies_agency ON measure_agencies (agency_code);
CREATE INDEX measure_provinces_province ON measure_provinces (province_code);
CREATE INDEX measures_section ON measures (section_id);
