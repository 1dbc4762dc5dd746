package com.tiktokmall.mtls.testing;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;


import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * What a service may use of the library, as rules each service checks against its own classes
 * ({@code @ArchTest static final ArchTests rules = ArchTests.in(ServiceRules.Production.class)}):
 * the packages its modules export only, and TLS only through them.
 */
public final class ServiceRules {
    /** What the library's modules export (their module-info); everything else of it is its own business. */
    private static final DescribedPredicate<JavaClass> PUBLIC_API = ExportedApi.exportedOrForeign().as("common's public API");
    private static final DescribedPredicate<JavaClass> TESTING_HELPERS =
            resideInAPackage("com.tiktokmall.mtls.testing..").as("common's testing helpers");

    private ServiceRules() {
    }

    /** For a service's production classes. */
    public static final class Production {
        @ArchTest
        static final ArchRule usesOnlyCommonsPublicApi = noClasses()
                .should().dependOnClassesThat(not(PUBLIC_API))
                .because("internals and implementation packages of common may change at any time");

        @ArchTest
        static final ArchRule leavesTlsToCommon = noClasses()
                .should().dependOnClassesThat().resideInAPackage("javax.net.ssl..")
                .because("every SSLContext comes from common, which trusts only ca_cert and checks identities");

        private Production() {
        }
    }

    /** For a service's test classes: the same API, plus the test CA and clients of common's test jar. */
    public static final class Tests {
        @ArchTest
        static final ArchRule useOnlyCommonsPublicApiAndTestingHelpers = noClasses()
                .should().dependOnClassesThat(not(PUBLIC_API).and(not(TESTING_HELPERS)))
                .because("tests exercise what a user of common can use");

        @ArchTest
        static final ArchRule buildNoSslContextOfTheirOwn = noClasses()
                .should().callMethodWhere(target(owner(resideInAPackage("javax.net.ssl..")))
                        .and(target(nameMatching("getInstance|init"))))
                .because("contexts come from common or its testing helpers (TestCert.rawClientContext for clients"
                        + " meant to be refused), so that no test trusts or presents by accident what common would not");

        private Tests() {
        }
    }
}
