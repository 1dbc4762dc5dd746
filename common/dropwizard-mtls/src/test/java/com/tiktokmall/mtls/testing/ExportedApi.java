package com.tiktokmall.mtls.testing;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the library's modules export, read from their compiled {@code module-info.class} on the
 * class path: the API a user may rely on. Everything else is the modules' own business.
 */
public final class ExportedApi {
    private static final String PREFIX = "com.tiktokmall.mtls";
    private static final Map<String, Set<String>> EXPORTS = read();

    private ExportedApi() {
    }

    /** Module name to the packages it exports to everyone. */
    public static Map<String, Set<String>> byModule() {
        return EXPORTS;
    }

    /** Every package exported to everyone by a module of the library. */
    public static Set<String> packages() {
        Set<String> all = new TreeSet<>();
        EXPORTS.values().forEach(all::addAll);
        return all;
    }

    /** A class of an exported package, or anything that is not the library's. */
    public static DescribedPredicate<JavaClass> exportedOrForeign() {
        Set<String> exported = packages();
        return DescribedPredicate.describe("in a package the library exports " + exported,
                javaClass -> !javaClass.getPackageName().startsWith(PREFIX) || exported.contains(javaClass.getPackageName()));
    }

    /** The library's main classes: neither this module's test classes nor the test jars of the others. */
    public static final class MainClassesOnly implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/") && !location.contains("-tests.jar");
        }
    }

    private static Map<String, Set<String>> read() {
        Map<String, Set<String>> exports = new TreeMap<>();
        try {
            for (URL url : Collections.list(ExportedApi.class.getClassLoader().getResources("module-info.class"))) {
                try (InputStream in = url.openStream()) {
                    ModuleDescriptor descriptor = ModuleDescriptor.read(in);
                    if (descriptor.name().startsWith(PREFIX)) {
                        Set<String> packages = new TreeSet<>();
                        descriptor.exports().stream().filter(e -> !e.isQualified())
                                .forEach(e -> packages.add(e.source()));
                        exports.put(descriptor.name(), packages);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (exports.size() != 3) {
            throw new IllegalStateException("expected the descriptors of mtls-core, mtls-spiffe and dropwizard-mtls on"
                    + " the class path, found " + exports.keySet());
        }
        return exports;
    }
}
