"""The Airflow id <-> Prefect name codecs: tables, round trips, no collisions."""

import random

import pytest

from app.translate.prefect_names import BLOCK_DOCUMENT_NAMES, CONCURRENCY_LIMIT_NAMES, VARIABLE_NAMES

VARIABLES = [
    ("my_var", "my_var"),
    ("MY_VAR", "-m-y_-v-a-r"),
    ("Env.HOST", "-env-1-h-o-s-t"),
    ("a-b c/d:e", "a-2b-3c-4d-5e"),
    ("café", "caf--c3--a9"),
    ("50%", "50--25"),
    ("prefect:x", "prefect-5x"),
    ("prefect:my-9", "my-9"),  # the id of a Prefect name that is no canonical spelling
]
BLOCKS = [
    ("postgres_default", "postgres-0default"),
    ("aws.S3", "aws-1-s3"),
    ("my-conn", "my-2conn"),
    ("prefect:x_y", "prefect-5x-0y"),
    ("prefect:a--zz", "a--zz"),
]
LIMITS = [
    ("default_pool", "default_pool"),
    ("Big Pool: ETL", "Big Pool: ETL"),
    ("a/b%c&d>e<f~g", "a~2fb~25c~26d~3ee~3cf~7eg"),
    ("prefect:x~y", "x~y"),
]


@pytest.mark.parametrize(
    ("codec", "airflow_id", "name"),
    [(VARIABLE_NAMES, *case) for case in VARIABLES]
    + [(BLOCK_DOCUMENT_NAMES, *case) for case in BLOCKS]
    + [(CONCURRENCY_LIMIT_NAMES, *case) for case in LIMITS],
)
def test_table_and_round_trip(codec, airflow_id, name):
    assert codec.to_prefect(airflow_id) == name
    assert codec.fits(name)
    assert codec.to_airflow(name) == airflow_id


@pytest.mark.parametrize("name", ["my-9", "a-", "a--zz", "a--41", "-", "prefect-5my-9"])
def test_non_canonical_prefect_names_have_their_own_id(name):
    airflow_id = VARIABLE_NAMES.to_airflow(name)
    assert airflow_id == "prefect:" + name
    assert VARIABLE_NAMES.to_prefect(airflow_id) == name


def test_variable_names_have_prefects_length_limit():
    assert VARIABLE_NAMES.fits("a" * 255) and not VARIABLE_NAMES.fits("a" * 256)
    assert not VARIABLE_NAMES.fits(VARIABLE_NAMES.to_prefect("A" * 128))
    assert not VARIABLE_NAMES.fits("")


@pytest.mark.parametrize(
    ("codec", "id_alphabet", "name_alphabet"),
    [
        (VARIABLE_NAMES, "aZ_-.~ /:%é9", "az09_-"),
        (BLOCK_DOCUMENT_NAMES, "aZ_-.~ /:é9", "az09-"),
        (CONCURRENCY_LIMIT_NAMES, "aZ_~/%&><é", "a~7e2f_-"),
    ],
)
def test_random_ids_and_names_round_trip_both_ways(codec, id_alphabet, name_alphabet):
    rng = random.Random(4)
    ids, names = set(), set()
    for _ in range(3000):
        airflow_id = "".join(rng.choice(id_alphabet) for _ in range(rng.randint(1, 6)))
        airflow_id = "prefect:" + airflow_id if rng.random() < 0.2 else airflow_id
        name = codec.to_prefect(airflow_id)
        assert codec.fits(name) and codec.to_airflow(name) == airflow_id
        ids.add(airflow_id)
        names.add(name)
        prefect_name = "".join(rng.choice(name_alphabet) for _ in range(rng.randint(1, 6)))
        assert codec.to_prefect(codec.to_airflow(prefect_name)) == prefect_name
    assert len(ids) == len(names)  # no two ids share a name
