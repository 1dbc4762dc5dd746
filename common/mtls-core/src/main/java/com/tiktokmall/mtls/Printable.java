package com.tiktokmall.mtls;

/**
 * Text from a peer (certificate names, SANs, SNI, request paths) made safe for a log line or an
 * error body: control characters become visible escapes, so a newline in a CN cannot forge a line.
 */
final class Printable {
    private Printable() {
    }

    /** {@code text} with every control or line-separator character escaped as {@code \n}, {@code \r}, {@code \t} or {@code \\uXXXX}. */
    static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            if (control && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (!control) {
                    out.append(c);
                } else if (c == '\n') {
                    out.append("\\n");
                } else if (c == '\r') {
                    out.append("\\r");
                } else if (c == '\t') {
                    out.append("\\t");
                } else {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
