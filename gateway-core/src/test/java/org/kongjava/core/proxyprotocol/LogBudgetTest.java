package org.kongjava.core.proxyprotocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogBudgetTest {
    @Test
    void capsLinesPerSecondAndReportsWhatWasLeftOut() {
        LogBudget b = new LogBudget(3);
        assertTrue(b.tryAcquire());
        assertTrue(b.tryAcquire());
        assertTrue(b.tryAcquire());
        assertFalse(b.tryAcquire());
        assertFalse(b.tryAcquire());
        assertEquals(" (2 similar line(s) suppressed)", b.takeSuppressedNote());
        assertEquals("", b.takeSuppressedNote());
    }
}
