def test_household_list_for_committee_head(world, login):
    client = login(world.users["committee_head"])
    response = client.get("/households/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "王大山" in text and "李二河" in text
    assert "赵三林" not in text and "钱四海" not in text
