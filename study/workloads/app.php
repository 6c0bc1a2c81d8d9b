<?php
// A small catalogue page: builds products, filters, sorts, paginates and renders them.
$seed = crc32($_SERVER['REQUEST_URI'] ?? '/') ^ mt_rand(0, 1000);
mt_srand($seed);
$words = ['steel', 'oak', 'linen', 'copper', 'glass', 'wool', 'cedar', 'slate', 'amber', 'cotton'];
$items = [];
for ($i = 0; $i < 4000; $i++) {
    $items[] = [
        'id' => $i,
        'name' => ucfirst($words[mt_rand(0, 9)]) . ' ' . $words[mt_rand(0, 9)] . ' #' . mt_rand(100, 999),
        'price' => mt_rand(100, 99999) / 100,
        'stock' => mt_rand(0, 500),
        'tags' => array_slice($words, mt_rand(0, 5), 3),
    ];
}
$sort = $_GET['sort'] ?? 'id';
usort($items, fn($a, $b) => $a[$sort] <=> $b[$sort]);
$inStock = array_values(array_filter($items, fn($p) => $p['stock'] > 0));
$page = max(1, (int)($_GET['page'] ?? 1));
$rows = array_slice($inStock, ($page - 1) * 50, 50);
header('Content-Type: text/html; charset=utf-8');
echo "<!doctype html><title>Catalogue</title><table>\n";
foreach ($rows as $p) {
    printf("<tr><td>%d</td><td>%s</td><td>%.2f</td><td>%s</td></tr>\n",
        $p['id'], htmlspecialchars($p['name']), $p['price'], implode(', ', $p['tags']));
}
echo '</table><p>' . count($inStock) . " in stock</p>\n" . json_encode(array_slice($rows, 0, 5));
