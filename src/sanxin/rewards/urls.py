from django.urls import path

from sanxin.rewards.views import cards, counter, policy, villager

app_name = "rewards"

urlpatterns: list = [
    # the district's redemption policy (rw-core)
    path("policy/", policy.policy, name="policy"),
    # the counter (收银台): find, redeem, receipts, today, voids, paper slips (rw-counter)
    path("counter/", counter.counter_home, name="counter"),
    path("counter/h/<int:household_id>/", counter.counter_household, name="counter_household"),
    path("counter/today/", counter.counter_today, name="counter_today"),
    path("counter/paper/", counter.counter_paper, name="counter_paper"),
    path("receipts/<int:pk>/", counter.receipt, name="receipt"),
    path("receipts/<int:pk>/print/", counter.receipt_print, name="receipt_print"),
    path("receipts/<int:pk>/a6.pdf", counter.receipt_a6, name="receipt_a6"),
    path("receipts/<int:pk>/58mm.pdf", counter.receipt_58mm, name="receipt_58mm"),
    path("receipts/<int:pk>/void/", counter.counter_void, name="counter_void"),
    path("voids/", counter.void_requests, name="void_requests"),
    path("voids/<int:pk>/", counter.void_decide, name="void_decide"),
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
