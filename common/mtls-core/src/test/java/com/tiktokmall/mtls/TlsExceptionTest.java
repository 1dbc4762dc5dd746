package com.tiktokmall.mtls;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The one message format of every refusal: setting, file, problem, fix. */
class TlsExceptionTest {
    private static final Path FILE = Path.of("certs/auth-key.pem");

    @Test
    void aProblemInAFileNamesTheFileThenTheFix() {
        TlsException e = TlsException.inFile(FILE, "the file is empty", "make it again");

        assertThat(e).hasMessage("certs/auth-key.pem: the file is empty. Fix: make it again.");
        assertThat(e.file()).contains(FILE);
        assertThat(e.setting()).isEmpty();
        assertThat(e.problem()).isEqualTo("the file is empty");
    }

    @Test
    void namingTheSettingKeepsFileProblemCauseAndStack() {
        IllegalStateException cause = new IllegalStateException("low level");
        TlsException e = TlsException.inFile(FILE, "the file is empty", null, cause);

        TlsException named = e.withSetting("tls.server_key");

        assertThat(named).hasMessage("tls.server_key (certs/auth-key.pem): the file is empty.")
                .hasCause(cause);
        assertThat(named.setting()).contains("tls.server_key");
        assertThat(named.file()).contains(FILE);
        assertThat(named.problem()).isEqualTo("the file is empty");
        assertThat(named.getStackTrace()).isEqualTo(e.getStackTrace());
    }

    @Test
    void aProblemWithASettingNamesOnlyTheSetting() {
        TlsException e = TlsException.inSetting("authorization.peers", "x is not a SPIFFE ID", "write spiffe://td/svc");

        assertThat(e).hasMessage("authorization.peers: x is not a SPIFFE ID. Fix: write spiffe://td/svc.");
        assertThat(e.setting()).contains("authorization.peers");
        assertThat(e.file()).isEmpty();
    }

    @Test
    void anInvalidValueIsJustTheProblemAndAFixEndingInOneFullStop() {
        assertThat(TlsException.invalid("no trust bundle is set", "call trust(...).")).hasMessage(
                "no trust bundle is set. Fix: call trust(...).");
        assertThat(TlsException.invalid("no trust bundle is set", null)).hasMessage("no trust bundle is set.");
        assertThat(TlsException.invalid("bad", null, new IllegalStateException("why"))).hasMessage("bad.")
                .hasCauseInstanceOf(IllegalStateException.class);
    }
}
