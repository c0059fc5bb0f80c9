from tests.conftest import login


def test_caseworker_logs_in_and_sees_home(app, client, create_user):
    user_id = create_user("caseworker")
    login(client, app, user_id)
    response = client.get("/")
    assert response.status_code == 200
    assert b'data-home-role="caseworker"' in response.data


def test_supervisor_needs_totp(app, client, create_user):
    user_id = create_user("supervisor")
    login(client, app, user_id)
    assert b'data-home-role="supervisor"' in client.get("/").data
