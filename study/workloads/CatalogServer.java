import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;

/** A catalogue search service: items in memory, a search endpoint rendering JSON, a result cache. */
public class CatalogServer {
    record Item(int id, String name, double price, String[] tags) {}

    public static void main(String[] args) throws Exception {
        Random rnd = new Random(11);
        String[] words = {"oak", "steel", "linen", "glass", "wool", "cedar", "slate", "amber"};
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 120_000; i++) {
            items.add(new Item(i, words[rnd.nextInt(8)] + " " + words[rnd.nextInt(8)] + " " + rnd.nextInt(100_000),
                    rnd.nextInt(100_000) / 100.0, new String[] {words[rnd.nextInt(8)], words[rnd.nextInt(8)]}));
        }
        Map<String, String> cache = new HashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 64);
        server.createContext("/search", ex -> {
            String q = ex.getRequestURI().getQuery() + ThreadLocalRandomHolder.next(300);
            String body;
            synchronized (cache) {
                body = cache.get(q);
            }
            if (body == null) {
                StringBuilder sb = new StringBuilder("[");
                int n = 0;
                int mod = Math.abs(q.hashCode()) % 50;
                for (Item it : items) {
                    if (it.id % 50 == mod && n++ < 200) {
                        sb.append("{\"id\":").append(it.id).append(",\"name\":\"").append(it.name)
                          .append("\",\"price\":").append(it.price).append("},");
                    }
                }
                body = sb.append("]").toString();
                synchronized (cache) {
                    cache.put(q, body);
                }
            }
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    static final class ThreadLocalRandomHolder {
        static int next(int bound) {
            return java.util.concurrent.ThreadLocalRandom.current().nextInt(bound);
        }
    }
}
