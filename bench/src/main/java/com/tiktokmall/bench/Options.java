package com.tiktokmall.bench;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs from the command line. */
final class Options {
    private Options() {
    }

    static Map<String, String> parse(String[] args, String... required) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        for (String name : required) {
            if (!options.containsKey(name)) {
                throw new IllegalArgumentException("--" + name + " is required");
            }
        }
        return options;
    }
}
