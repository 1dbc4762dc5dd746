package com.tiktokmall.auth.db;

import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.sql.SQLException;
import java.time.Instant;

/** Revoked token ids with the tokens' expiry (rows past it could be purged; nothing purges them yet). */
public interface RevocationDao {
    String UNIQUE_VIOLATION = "23505";

    @SqlQuery("SELECT COUNT(*) > 0 FROM revoked_tokens WHERE jti = :jti")
    boolean isRevoked(@Bind("jti") String jti);

    @SqlUpdate("INSERT INTO revoked_tokens (jti, expires_at, revoked_at) VALUES (:jti, :expiresAt, :revokedAt)")
    void insert(@Bind("jti") String jti, @Bind("expiresAt") Instant expiresAt, @Bind("revokedAt") Instant revokedAt);

    /** Records the revocation; a second revocation of the same token changes nothing. */
    default void revoke(String jti, Instant expiresAt, Instant revokedAt) {
        try {
            insert(jti, expiresAt, revokedAt);
        } catch (UnableToExecuteStatementException e) {
            if (!(e.getCause() instanceof SQLException sql) || !UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                throw e;
            }
        }
    }
}
