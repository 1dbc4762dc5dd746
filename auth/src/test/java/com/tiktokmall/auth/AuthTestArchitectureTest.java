package com.tiktokmall.auth;

import com.tiktokmall.mtls.testing.ServiceRules;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;

/** auth's tests: common's public API and its testing helpers only, and no SSLContext of their own. */
@AnalyzeClasses(packages = "com.tiktokmall.auth", importOptions = ImportOption.OnlyIncludeTests.class)
class AuthTestArchitectureTest {
    @ArchTest
    static final ArchTests commonRules = ArchTests.in(ServiceRules.Tests.class);
}
