"""Operations: metrics, access logs, health — what operators watch."""
