// The application's SQL as bundled in the jar: the files of sql/flink/ in name order, their ${name}
// placeholders filled from the job's settings, split into statements. Comments are dropped and semicolons
// inside string literals or quoted identifiers do not split.
package com.flightpulse.flink;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

final class SqlScript {
  static final String RESOURCE_DIR = "flightpulse-sql/";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z][a-z0-9.]*)\\}");

  private SqlScript() {}

  /** The bundled files, name → text, in name order. */
  static TreeMap<String, String> bundledFiles() throws IOException {
    TreeMap<String, String> files = new TreeMap<>();
    URL location = SqlScript.class.getProtectionDomain().getCodeSource().getLocation();
    Path path;
    try {
      path = Paths.get(location.toURI());
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate the runner's code at " + location, e);
    }
    if (Files.isDirectory(path)) {
      Path dir = path.resolve(RESOURCE_DIR);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> list = Files.list(dir)) {
          for (Path p : (Iterable<Path>) list::iterator) {
            if (p.getFileName().toString().endsWith(".sql")) {
              files.put(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8));
            }
          }
        }
      }
    } else {
      try (JarFile jar = new JarFile(path.toFile())) {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
          JarEntry entry = entries.nextElement();
          String name = entry.getName();
          if (name.startsWith(RESOURCE_DIR) && name.endsWith(".sql") && name.indexOf('/', RESOURCE_DIR.length()) < 0) {
            try (InputStream in = jar.getInputStream(entry)) {
              files.put(name.substring(RESOURCE_DIR.length()), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
          }
        }
      }
    }
    if (files.isEmpty()) {
      throw new IOException("no SQL bundled under " + RESOURCE_DIR + " in " + path + ": rebuild with `npm run build:flink`");
    }
    return files;
  }

  /** Fills every ${name}; a placeholder with no value is an error naming it and the file. */
  static String substitute(String fileName, String sql, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException(
            fileName + " uses ${" + m.group(1) + "}, which no setting provides (known: " + new TreeMap<>(values).keySet() + ")");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Statements of one script, without comments; empty statements dropped. */
  static List<String> statements(String sql) {
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        while (i < n && sql.charAt(i) != '\n') i++;
        continue;
      }
      if (c == '\'' || c == '`') {
        int end = i + 1;
        while (end < n) {
          if (sql.charAt(end) == c) {
            if (end + 1 < n && sql.charAt(end + 1) == c) {
              end += 2; // doubled quote inside the literal
              continue;
            }
            break;
          }
          end++;
        }
        if (end >= n) throw new IllegalArgumentException("unterminated " + c + " quote in: " + sql.substring(i, Math.min(n, i + 60)));
        current.append(sql, i, end + 1);
        i = end + 1;
        continue;
      }
      if (c == ';') {
        addStatement(result, current);
        current.setLength(0);
      } else {
        current.append(c);
      }
      i++;
    }
    addStatement(result, current);
    return result;
  }

  private static void addStatement(List<String> result, StringBuilder statement) {
    String s = statement.toString().trim();
    if (!s.isEmpty()) result.add(s);
  }

  /** A value as the inside of a SQL string literal. */
  static String literal(String value) {
    return value.replace("'", "''");
  }
}
