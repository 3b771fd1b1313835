-- What PostGraphile 4 needs beyond the tables to answer the benchmark's queries, in a schema of its own
-- (bench/compare.py installs it; jiqun's tables are untouched). A PostGraphile team would write these
-- as custom query functions: plain PostGraphile cannot filter on capacity > occupied or on a distance,
-- and has no `nodes(ids:)` root field.
CREATE SCHEMA IF NOT EXISTS bench_postgraphile;

-- The investment-promotion search: published addresses of a district with free places for a key
-- industry within radius_km of a point, nearest first, with the agency's name and grade; the same
-- haversine, bounding box and conditions as jiqun's query.
CREATE OR REPLACE FUNCTION bench_postgraphile.search_addresses(
  jurisdiction text, industry text, lat float8, lon float8, radius_km float8,
  OUT id int, OUT code text, OUT address_text text, OUT free_places int, OUT distance_km float8,
  OUT agency_name text, OUT latest_grade text, OUT latest_grade_year int
) RETURNS SETOF record LANGUAGE sql STABLE AS $$
  SELECT a.id, a.code, a.address_text, a.capacity - a.occupied, d.km, g.name, g.latest_grade, g.latest_grade_year
  FROM public.addresses a
  LEFT JOIN public.agencies g ON g.id = a.agency_id
  CROSS JOIN LATERAL (SELECT 2 * 6371.0088 * asin(least(1.0, sqrt(
      power(sin(radians(lat - a.latitude) / 2), 2)
      + cos(radians(a.latitude)) * cos(radians(lat)) * power(sin(radians(lon - a.longitude) / 2), 2)))) AS km) d
  WHERE a.published_on IS NOT NULL AND a.status = 'published' AND a.jurisdiction_code = jurisdiction
    AND a.id IN (SELECT k.address_id FROM public.address_key_industries k WHERE k.industry = search_addresses.industry)
    AND a.capacity - a.occupied >= 1
    AND a.latitude BETWEEN lat - radius_km / 111.19508 AND lat + radius_km / 111.19508
    AND d.km <= radius_km
  ORDER BY d.km, a.id
$$;

-- `nodes` with many ids: enterprises in the order asked.
CREATE OR REPLACE FUNCTION bench_postgraphile.enterprises_by_ids(ids int[])
RETURNS SETOF public.enterprises LANGUAGE sql STABLE AS $$
  SELECT e.* FROM unnest(ids) WITH ORDINALITY AS i(id, n) JOIN public.enterprises e ON e.id = i.id ORDER BY i.n
$$;
