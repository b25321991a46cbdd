from django.urls import path

from sanxin.rewards.views import cards, villager

app_name = "rewards"

urlpatterns: list = [
    # household QR cards (门牌码): the scan (public), printing, issuing, revoking
    path("c/<str:token>/", cards.card_scan, name="card_scan"),
    path("cards/", cards.card_groups, name="card_groups"),
    path("cards/group/<int:group>/", cards.card_group, name="card_group"),
    path("cards/group/<int:group>/sheet/", cards.card_sheet, name="card_sheet"),
    path("cards/household/<int:household>/issue/", cards.card_issue, name="card_issue"),
    path("cards/household/<int:household>/revoke/", cards.card_revoke, name="card_revoke"),
    # the villager's side: their own household's wallet, history, catalogue, receipts
    path("mine/<int:household>/", villager.mine, name="mine"),
    path("mine/<int:household>/history/", villager.mine_history, name="mine_history"),
    path("mine/<int:household>/catalogue/", villager.mine_catalogue, name="mine_catalogue"),
    path("mine/<int:household>/receipts/", villager.mine_receipts, name="mine_receipts"),
]
