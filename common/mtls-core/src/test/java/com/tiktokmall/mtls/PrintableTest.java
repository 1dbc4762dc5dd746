package com.tiktokmall.mtls;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Text from a peer cannot forge a log line: every control character is written as an escape. */
class PrintableTest {
    @Test
    void plainTextIsReturnedAsItIs() {
        String name = "spiffe://tiktokmall.local/order é";

        assertThat(Printable.escape(name)).isSameAs(name);
        assertThat(Printable.escape(null)).isNull();
    }

    @Test
    void lineBreaksAndTabsBecomeTheirJavaEscapes() {
        assertThat(Printable.escape("CN=order\nforged line")).isEqualTo("CN=order\\nforged line");
        assertThat(Printable.escape("a\rb\tc")).isEqualTo("a\\rb\\tc");
        assertThat(Printable.escape("\n\n")).isEqualTo("\\n\\n");
    }

    @Test
    void otherControlCharactersAndLineSeparatorsBecomeUnicodeEscapes() {
        assertThat(Printable.escape("bell\u0007 del\u007f")).isEqualTo("bell\\u0007 del\\u007f");
        assertThat(Printable.escape("line\u2028para\u2029")).isEqualTo("line\\u2028para\\u2029");
    }
}
