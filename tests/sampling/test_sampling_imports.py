"""``sampling`` re-exports its public names (its imports are checked in tests/test_project.py)."""


def test_the_package_reexports_its_public_names() -> None:
    import sampling

    for name in sampling.__all__:
        assert hasattr(sampling, name), name
