"""One redaction policy (azext_bacpac/redaction.py): secrets are masked with ***, never blanked."""
import pytest

from azext_bacpac.redaction import MASK, redact, scrub, secret_values, strip_uri


@pytest.mark.parametrize('uri, expected', [
    ('https://acct.blob.core.windows.net/c/db.bacpac?sv=2024&sig=SECRET', 'https://acct.blob.core.windows.net/c/db.bacpac'),
    ('https://user:SECRET@host/c/x.bacpac', 'https://user@host/c/x.bacpac'),
    ('https://host/c/x.bacpac#frag', 'https://host/c/x.bacpac'),
    ('file:///tmp/x.bacpac', 'file:///tmp/x.bacpac'),
    ('./x.bacpac', './x.bacpac'),
    ('sqlite:///data', 'sqlite:///data'),
    ('sqlite:////abs/data', 'sqlite:////abs/data'),
])
def test_strip_uri(uri, expected):
    assert strip_uri(uri) == expected


def test_scrub_masks_given_secrets_but_not_tiny_ones():
    assert scrub('login failed for pw Hunter2!', ['Hunter2!']) == f'login failed for pw {MASK}'
    assert scrub('a b c', ['a']) == 'a b c'
    assert scrub('x', [None, '']) == 'x'
    assert scrub('token sv=1&sig=abc', {'storage_key': '?sv=1&sig=abc'}) == f'token {MASK}'


@pytest.mark.parametrize('text, leaked', [
    ('GET https://a.blob.core.windows.net/c/b?sv=2024&sig=Zm9vYmFy%2B&se=1 403', 'Zm9vYmFy'),
    ('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S3cr3tKey==;', 'S3cr3tKey'),
    ('Authorization: SharedKey devstoreaccount1:QmFzZTY0U2ln', 'QmFzZTY0U2ln'),
    ('DRIVER={ODBC Driver 18};SERVER=x;UID=sa;PWD={pa;ss}};ENCRYPT=yes', 'pa;ss'),
    ('Server=x;User ID=sa;Password=hunter2;', 'hunter2'),
])
def test_scrub_masks_credentials_nobody_named(text, leaked):
    cleaned = scrub(text)
    assert leaked not in cleaned and MASK in cleaned


def test_redact_walks_summaries_and_keeps_the_original():
    summary = {'storageUri': 'https://a/c/b?sig=S', 'rows': 1, 'warnings': ['password Hunter2! refused']}
    assert redact(summary, ['Hunter2!']) == {'storageUri': 'https://a/c/b', 'rows': 1,
                                             'warnings': [f'password {MASK} refused']}
    assert summary['storageUri'].endswith('sig=S')


def test_secret_values_include_a_uris_query_alone():
    values = secret_values({'storage_uri': 'https://a/c/b?sv=1&sig=XYZW', 'admin_password': 'pw'})
    assert 'sv=1&sig=XYZW' in values and 'pw' not in values
