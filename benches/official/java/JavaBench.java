// Time Adyen's official Java library (adyen-java-api-library, its files in src/, see SOURCE)
// verifying HMAC-signed notifications.
//
// Usage: java -cp CLASSES:GSON:CODEC:JACKSON_ANNOTATIONS JavaBench WORKLOAD.jsonl [HEADER.jsonl]
// (run.sh compiles it with the library's files against Debian's jars.)
//
// First every line of the workload, valid or tampered, is parsed and verified and each verdict
// (every item's and the request's) checked against the vectors: a library that rejected a valid
// item, or accepted a tampered one, would make the timing meaningless, so the run stops there.
// Then only the lines with "valid": true are timed. One timed pass parses every body as the
// library's WebhookHandler.handleNotificationJson does, with NotificationRequest.fromJson (which
// builds a new Gson on every call), and verifies every item with HMACValidator.validateHMAC: the
// work a webhook endpoint does per request. A second figure parses with one Gson shared by every
// call, which is what an application could do instead.
//
// With HEADER.jsonl (header-signed webhooks: the body's bytes signed, the signature in the
// HmacSignature header), also times HMACValidator.validateHMAC(signature, key, body) on its valid
// lines, after checking every line's verdict (a line with no signature is rejected before the
// library is called, as an endpoint would with no header). That figure is verification only:
// the library's handlers for those webhooks parse with other models, not among the files taken.
//
// Prints one JSON line per figure to stdout, in the format of the Python and Node benchmarks.
// Set BENCH_SECONDS to change the length of each timed run (default 2.5), BENCH_WARMUP_SECONDS
// the shortest warm-up before each (default 3; it goes on while the JIT is still making the
// passes faster, up to 30 s), ADYEN_LIBRARY the library's label in the output.

import com.adyen.model.notification.NotificationRequest;
import com.adyen.model.notification.NotificationRequestItem;
import com.adyen.util.HMACValidator;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public final class JavaBench {
  // The warm-up runs in rounds until the JIT has settled: at least BENCH_WARMUP_SECONDS, and on
  // until two rounds in a row are no faster than the best one before them by more than 2% (on a
  // busy 2-core machine the compiler threads get little time, and pass times were still falling
  // by half after several seconds), but never past MAX_WARMUP_NS. The last round's mean pass
  // time sizes the timed run, so the timer is read only twice around it.
  private static final long WARMUP_NS =
      (long) (Double.parseDouble(System.getenv().getOrDefault("BENCH_WARMUP_SECONDS", "3")) * 1e9);
  private static final long MAX_WARMUP_NS = Math.max(WARMUP_NS, 30_000_000_000L);
  private static final long ROUND_NS = 250_000_000L;

  // The validator holds no per-call state, so one instance serves every call, as it would in a
  // long-running server.
  private static final HMACValidator VALIDATOR = new HMACValidator();

  private static final Gson SHARED_GSON = new Gson();

  /** One line of a workload file. */
  private static final class Case {
    String name;
    String key;
    String body;
    boolean valid;
    boolean[] itemsValid; // notifications only
    String signature; // header-signed only; null when the line has none
    String why;
  }

  /** How a body becomes a NotificationRequest. */
  private interface Parser {
    NotificationRequest parse(String body) throws IOException;
  }

  /** A timed pass over the valid cases; returns the number of items verified. */
  private interface Pass {
    long run(List<Case> cases) throws Exception;
  }

  private static List<Case> load(String path) throws IOException {
    List<Case> cases = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(path), StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      Case c = new Case();
      c.name = o.get("name").getAsString();
      c.key = o.get("key").getAsString();
      c.body = o.get("body").getAsString();
      c.valid = o.get("valid").getAsBoolean();
      c.why = o.has("why") ? o.get("why").getAsString() : "";
      if (o.has("items_valid")) {
        JsonArray a = o.getAsJsonArray("items_valid");
        c.itemsValid = new boolean[a.size()];
        for (int i = 0; i < a.size(); i++) {
          c.itemsValid[i] = a.get(i).getAsBoolean();
        }
      }
      JsonElement s = o.get("signature");
      c.signature = s == null || s.isJsonNull() ? null : s.getAsString();
      cases.add(c);
    }
    if (cases.stream().noneMatch(c -> c.valid)) {
      throw new IllegalArgumentException(path + ": no lines with valid: true");
    }
    return cases;
  }

  private static List<Case> valid(List<Case> cases) {
    List<Case> out = new ArrayList<>();
    for (Case c : cases) {
      if (c.valid) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * The library's verdict on each item of a body, or null when the body itself is rejected (it
   * does not parse, or has no items). Any exception counts as a rejection: an endpoint would
   * answer it with an error, which Adyen does not take as an acknowledgement.
   */
  private static boolean[] verdicts(Parser parser, Case c) {
    List<NotificationRequestItem> items;
    try {
      NotificationRequest request = parser.parse(c.body);
      items = request == null ? null : request.getNotificationItems();
    } catch (Exception e) {
      return null;
    }
    if (items == null || items.isEmpty()) {
      return null;
    }
    boolean[] v = new boolean[items.size()];
    for (int i = 0; i < v.length; i++) {
      try {
        v[i] = VALIDATOR.validateHMAC(items.get(i), c.key);
      } catch (Exception e) {
        v[i] = false;
      }
    }
    return v;
  }

  private static String show(boolean[] v) {
    if (v == null) {
      return "body rejected";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(v[i]);
    }
    return sb.append("]").toString();
  }

  /** Checks every verdict on every line; exits if any differs from the vectors. */
  private static void checkNotifications(String what, Parser parser, List<Case> cases) {
    List<String> wrong = new ArrayList<>();
    int items = 0;
    for (Case c : cases) {
      boolean[] v = verdicts(parser, c);
      boolean accepted = v != null;
      if (v != null) {
        items += v.length;
        for (boolean ok : v) {
          accepted &= ok;
        }
      }
      boolean same =
          accepted == c.valid && (v == null ? !c.valid : java.util.Arrays.equals(v, c.itemsValid));
      if (!same) {
        wrong.add(
            c.name + " (" + c.why + "): expected " + show(c.itemsValid) + ", got " + show(v));
      }
    }
    finishCheck(what, cases.size(), items, wrong);
  }

  private static void checkHeaders(List<Case> cases) {
    List<String> wrong = new ArrayList<>();
    for (Case c : cases) {
      boolean accepted;
      try {
        accepted = c.signature != null && VALIDATOR.validateHMAC(c.signature, c.key, c.body);
      } catch (Exception e) {
        accepted = false;
      }
      if (accepted != c.valid) {
        wrong.add(c.name + " (" + c.why + "): expected " + c.valid + ", got " + accepted);
      }
    }
    finishCheck("java, header-signed", cases.size(), cases.size(), wrong);
  }

  private static void finishCheck(String what, int lines, int items, List<String> wrong) {
    if (!wrong.isEmpty()) {
      System.err.println(what + ": " + wrong.size() + " verdicts differ from the vectors:");
      for (String w : wrong) {
        System.err.println("  " + w);
      }
      System.exit(1);
    }
    System.err.println(
        what + ": every verdict as expected (" + lines + " lines, " + items + " items)");
  }

  private static Pass notificationPass(Parser parser) {
    return cases -> {
      long n = 0;
      for (Case c : cases) {
        NotificationRequest request = parser.parse(c.body);
        for (NotificationRequestItem item : request.getNotificationItems()) {
          if (!VALIDATOR.validateHMAC(item, c.key)) {
            throw new IllegalStateException(
                "verification failed for a valid item: " + item.getPspReference());
          }
          n++;
        }
      }
      return n;
    };
  }

  private static long headerPass(List<Case> cases) throws Exception {
    long n = 0;
    for (Case c : cases) {
      if (!VALIDATOR.validateHMAC(c.signature, c.key, c.body)) {
        throw new IllegalStateException("verification failed for a valid body: " + c.name);
      }
      n++;
    }
    return n;
  }

  private static void time(String runtime, String library, Pass pass, List<Case> cases)
      throws Exception {
    long items = pass.run(cases);
    long targetNs =
        (long) (Double.parseDouble(System.getenv().getOrDefault("BENCH_SECONDS", "2.5")) * 1e9);

    long warmStart = System.nanoTime();
    double best = Double.MAX_VALUE;
    double perPass;
    int stale = 0;
    long warmed;
    while (true) {
      long passes = 0;
      long roundStart = System.nanoTime();
      long round;
      do {
        pass.run(cases);
        passes++;
        round = System.nanoTime() - roundStart;
      } while (round < ROUND_NS);
      perPass = (double) round / passes;
      if (perPass < best * 0.98) {
        best = perPass;
        stale = 0;
      } else {
        stale++;
      }
      warmed = System.nanoTime() - warmStart;
      if ((warmed >= WARMUP_NS && stale >= 2) || warmed >= MAX_WARMUP_NS) {
        break;
      }
    }
    long iterations = Math.max(1, (long) (targetNs / perPass));

    long checked = 0;
    long start = System.nanoTime();
    for (long i = 0; i < iterations; i++) {
      checked += pass.run(cases);
    }
    long totalNs = System.nanoTime() - start;
    if (checked != iterations * items) {
      throw new IllegalStateException("a timed pass verified " + checked + " items");
    }

    int requests = cases.size();
    System.out.println(
        String.format(
            Locale.ROOT,
            "{\"runtime\": \"%s\", \"library\": \"%s\", \"requests\": %d, \"items\": %d,"
                + " \"ns_per_request\": %.1f, \"ns_per_item\": %.1f, \"iterations\": %d,"
                + " \"warmup_seconds\": %.1f}",
            runtime,
            library,
            requests,
            items,
            (double) totalNs / (iterations * requests),
            (double) totalNs / (iterations * items),
            iterations,
            warmed / 1e9));
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: JavaBench WORKLOAD.jsonl [HEADER.jsonl]");
      System.exit(2);
    }
    String library = System.getenv().getOrDefault("ADYEN_LIBRARY", "adyen-java-api-library");
    Parser perCall = NotificationRequest::fromJson;
    Parser shared = body -> SHARED_GSON.fromJson(body, NotificationRequest.class);

    List<Case> cases = load(args[0]);
    checkNotifications("java", perCall, cases);
    checkNotifications("java, shared Gson", shared, cases);
    List<Case> headers = null;
    if (args.length == 2) {
      headers = load(args[1]);
      checkHeaders(headers);
    }

    List<Case> timed = valid(cases);
    time("java", library, notificationPass(perCall), timed);
    time("java_shared_gson", library + ", one shared Gson", notificationPass(shared), timed);
    if (headers != null) {
      time("java_header", library, JavaBench::headerPass, valid(headers));
    }
  }
}
