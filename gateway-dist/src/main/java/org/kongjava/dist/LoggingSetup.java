package org.kongjava.dist;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/** Adds the prefix's error log to the console logging once the prefix is known, and sets the level. */
final class LoggingSetup {
    private LoggingSetup() {
    }

    /** Kong's log levels (nginx's) mapped to logback's. */
    static Level levelOf(String kongLevel) {
        return switch (kongLevel == null ? "notice" : kongLevel) {
            case "debug" -> Level.DEBUG;
            case "info", "notice" -> Level.INFO;
            case "warn" -> Level.WARN;
            default -> Level.ERROR; // error, crit, alert, emerg
        };
    }

    static void configure(String kongLevel, Path errorLog) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(levelOf(kongLevel));
        if (errorLog == null) {
            return;
        }
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("%d{yyyy/MM/dd HH:mm:ss.SSS} [%level] %logger{0}: %msg%n");
        enc.start();
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(ctx);
        file.setName("ERRORLOG");
        file.setFile(errorLog.toString());
        file.setAppend(true);
        file.setEncoder(enc);
        file.start();
        root.addAppender(file);
    }
}
