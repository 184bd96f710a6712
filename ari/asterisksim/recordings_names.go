package asterisksim

// LiveRecordingNames lists the live recordings' names, sorted (tests find
// the recording an app started).
func (s *Sim) LiveRecordingNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.recordings)
}
