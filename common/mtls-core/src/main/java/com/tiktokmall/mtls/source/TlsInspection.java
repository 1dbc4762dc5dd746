package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext.Role;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.Pem;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.TrustBundle;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Every file of a {@link TlsFiles} (and the CRL of its {@link TlsOptions}) read once and checked, with one outcome per setting:
 * {@code ca_cert}, {@code crl}, then for each role its certificate, its key, and the two as a
 * context (valid now, chained to {@code ca_cert}, EKU fit for the role). Start-up takes the first
 * problem ({@link #material()}); {@code check-tls} prints them all.
 */
public final class TlsInspection {
    private final Outcome<TrustBundle> caCert;
    private final Outcome<TrustBundle> crl;
    private final Map<Role, Outcome<List<X509Certificate>>> certs = new EnumMap<>(Role.class);
    private final Map<Role, Outcome<Identity>> keys = new EnumMap<>(Role.class);
    private final Map<Role, Outcome<MtlsContext>> contexts = new EnumMap<>(Role.class);

    private TlsInspection(TlsFiles files, TlsOptions options) {
        caCert = Outcome.of(files.setting("ca_cert"), files.caCert(), () -> TrustBundle.fromPem(files.caCert()));
        crl = options.crl().map(file -> caCert.then("tls.crl", file, cas -> cas.withCrls(file, options.clock())))
                .orElse(null);
        Outcome<TrustBundle> trust = crl == null ? caCert : crl;
        Map<Path, Outcome<List<X509Certificate>>> parsed = new HashMap<>();
        for (Role role : files.roles()) {
            String name = role.name().toLowerCase();
            Path certFile = files.cert(role);
            Path keyFile = files.key(role);
            String certSetting = files.setting(name + "_cert");
            String keySetting = files.setting(name + "_key");
            Outcome<List<X509Certificate>> chain = parsed.computeIfAbsent(certFile,
                    file -> Outcome.of(certSetting, file, () -> Pem.certificates(file))).named(certSetting);
            certs.put(role, chain);
            Outcome<Identity> identity = chain.then(keySetting, keyFile, certificates -> {
                PrivateKey key = Pem.privateKey(keyFile, files.keyPassword().orElse(null));
                return Identity.of(key, certificates, certFile, keyFile);
            }).attributed(e -> certFile.equals(keyFile) ? certSetting + " and " + keySetting
                    : e.file().filter(certFile::equals).isPresent() ? certSetting : keySetting);
            keys.put(role, identity);
            contexts.put(role, identity.then(certSetting, certFile, id -> trust.value().map(bundle ->
                    (role == Role.SERVER ? MtlsContext.forServer(id) : MtlsContext.forClient(id))
                            .trust(bundle).options(options).build())
                    .orElse(null)));
        }
    }

    /** Reads and checks every file of {@code files} (and the CRL of {@code options}), at the time of its clock. */
    public static TlsInspection of(TlsFiles files, TlsOptions options) {
        return new TlsInspection(files, options);
    }

    public Outcome<TrustBundle> caCert() {
        return caCert;
    }

    /** The bundle with its CRLs, when {@code crl} is set. */
    public Optional<Outcome<TrustBundle>> crl() {
        return Optional.ofNullable(crl);
    }

    /** The roles inspected: the client, and the server unless the files describe a client only. */
    public Set<Role> roles() {
        return contexts.keySet();
    }

    /** The role's certificate chain, as read from its file. */
    public Outcome<List<X509Certificate>> cert(Role role) {
        return certs.get(role);
    }

    /** The role's key with its chain: the key read, and matched to the certificate. */
    public Outcome<Identity> identity(Role role) {
        return keys.get(role);
    }

    /** The role's context: valid now, chained to the trust bundle, EKU fit for the role. */
    public Outcome<MtlsContext> context(Role role) {
        return contexts.get(role);
    }

    /** Every outcome, in the order the block lists its settings. */
    public List<Outcome<?>> outcomes() {
        List<Outcome<?>> all = new ArrayList<>(List.of(caCert));
        crl().ifPresent(all::add);
        for (Role role : roles()) {
            all.addAll(List.of(certs.get(role), keys.get(role), contexts.get(role)));
        }
        return all;
    }

    /** The first problem, in the order of {@link #outcomes()}. */
    public Optional<TlsException> firstProblem() {
        return outcomes().stream().flatMap(outcome -> outcome.problem().stream()).findFirst();
    }

    /**
     * The material, when every setting is good.
     *
     * @throws TlsException the first problem, naming the setting and file at fault
     */
    public TlsMaterial material() {
        firstProblem().ifPresent(problem -> {
            throw problem;
        });
        Outcome<MtlsContext> server = contexts.get(Role.SERVER);
        return new TlsMaterial(server == null ? null : server.value().orElseThrow(),
                contexts.get(Role.CLIENT).value().orElseThrow());
    }

    /**
     * What checking one setting gave: a value, a problem naming the setting, or neither when an
     * input it needs has a problem of its own (it is then not checked).
     */
    public static final class Outcome<T> {
        private final String setting;
        private final Path file;
        private final T value;
        private final TlsException problem;

        private Outcome(String setting, Path file, T value, TlsException problem) {
            this.setting = setting;
            this.file = file;
            this.value = value;
            this.problem = problem;
        }

        static <T> Outcome<T> of(String setting, Path file, Supplier<T> check) {
            try {
                return new Outcome<>(setting, file, check.get(), null);
            } catch (TlsException e) {
                return new Outcome<>(setting, file, null, e.withSetting(setting));
            }
        }

        /** The next check, run only on this outcome's value. */
        <R> Outcome<R> then(String setting, Path file, Function<T, R> check) {
            if (value == null) {
                return new Outcome<>(setting, file, null, null);
            }
            return of(setting, file, () -> check.apply(value));
        }

        Outcome<T> named(String setting) {
            return setting.equals(this.setting) ? this
                    : new Outcome<>(setting, file, value, problem == null ? null : problem.withSetting(setting));
        }

        Outcome<T> attributed(Function<TlsException, String> settingOf) {
            return problem == null ? this : new Outcome<>(setting, file, null, problem.withSetting(settingOf.apply(problem)));
        }

        /** The configuration key, e.g. {@code tls.server_cert}. */
        public String setting() {
            return setting;
        }

        public Path file() {
            return file;
        }

        public Optional<T> value() {
            return Optional.ofNullable(value);
        }

        public Optional<TlsException> problem() {
            return Optional.ofNullable(problem);
        }

        /** Neither a value nor a problem: an input it needs failed, so it was not checked. */
        public boolean skipped() {
            return value == null && problem == null;
        }
    }
}
