package com.tiktokmall.payment;

import com.tiktokmall.mtls.testing.ServiceRules;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;

/** payment's tests: common's public API and its testing helpers only, and no SSLContext of their own. */
@AnalyzeClasses(packages = "com.tiktokmall.payment", importOptions = ImportOption.OnlyIncludeTests.class)
class PaymentTestArchitectureTest {
    @ArchTest
    static final ArchTests commonRules = ArchTests.in(ServiceRules.Tests.class);
}
