from django.urls import path

from sanxin.rewards.views import candidates, cards, counter, policy, shop, villager

app_name = "rewards"

urlpatterns: list = [
    # the district's redemption policy (rw-core)
    path("policy/", policy.policy, name="policy"),
    # --- party and cadre reserve candidates (政治激励) ---
    path("candidates/", candidates.candidate_list, name="candidates"),
    path("candidates/mine/", candidates.mine, name="candidates_mine"),
    path("candidates/criteria/", candidates.criteria, name="candidate_criteria"),
    path("candidates/villages/<int:pk>/", candidates.village_candidates, name="candidates_village"),
    path(
        "candidates/villages/<int:pk>/nominate/",
        candidates.candidate_nominate,
        name="candidate_nominate",
    ),
    path("candidates/<int:pk>/", candidates.candidate_detail, name="candidate"),
    path("candidates/<int:pk>/confirm/", candidates.candidate_confirm, name="candidate_confirm"),
    path("candidates/<int:pk>/forward/", candidates.candidate_forward, name="candidate_forward"),
    path("candidates/<int:pk>/accept/", candidates.candidate_accept, name="candidate_accept"),
    path("candidates/<int:pk>/withdraw/", candidates.candidate_withdraw, name="candidate_withdraw"),
    path("candidates/<int:pk>/tell/", candidates.candidate_tell, name="candidate_tell"),
    # --- the shop staff's pages: shops, catalogue, stock, funding, reports (views/shop.py)
    path("shops/", shop.shop_list, name="shops"),
    path("shops/new/", shop.shop_new, name="shop_new"),
    path("shops/<int:pk>/", shop.shop_detail, name="shop"),
    path("shops/<int:pk>/edit/", shop.shop_edit, name="shop_edit"),
    path("shops/<int:pk>/products/new/", shop.product_new, name="product_new"),
    path("products/<int:pk>/edit/", shop.product_edit, name="product_edit"),
    path("products/<int:pk>/photo/", shop.product_photo, name="product_photo"),
    path("shops/<int:pk>/stock/", shop.stock_movements, name="stock"),
    path("shops/<int:pk>/stock/receive/", shop.stock_receive, name="stock_receive"),
    path("shops/<int:pk>/adjustments/", shop.adjustments, name="adjustments"),
    path("adjustments/<int:pk>/decide/", shop.adjustment_decide, name="adjustment_decide"),
    path("shops/<int:pk>/stocktake/", shop.stocktake, name="stocktake"),
    path("shops/<int:pk>/funding/", shop.funding_page, name="funding"),
    path("shops/<int:pk>/funding/sources/", shop.funding_source_new, name="funding_source_new"),
    path("shops/<int:pk>/funding/receive/", shop.funding_receive, name="funding_receive"),
    path("shops/<int:pk>/report/", shop.report, name="report"),
    path("shops/<int:pk>/report.xlsx", shop.report_export, name="report_export"),
    path("shops/<int:pk>/movements.xlsx", shop.movements_export, name="movements_export"),
    path("shops/<int:pk>/redemptions.xlsx", shop.redemptions_export, name="redemptions_export"),
    # --- end of the shop staff's pages
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
    path("cards/village/<int:village>/sheet/", cards.card_village_sheet, name="card_village_sheet"),
    path("cards/household/<int:household>/issue/", cards.card_issue, name="card_issue"),
    path("cards/household/<int:household>/revoke/", cards.card_revoke, name="card_revoke"),
    # the villager's side: their own household's wallet, history, catalogue, receipts
    path("mine/<int:household>/", villager.mine, name="mine"),
    path("mine/<int:household>/history/", villager.mine_history, name="mine_history"),
    path("mine/<int:household>/catalogue/", villager.mine_catalogue, name="mine_catalogue"),
    path("mine/<int:household>/receipts/", villager.mine_receipts, name="mine_receipts"),
]
